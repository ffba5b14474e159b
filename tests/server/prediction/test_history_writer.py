"""The history writer: served arrays become one stored row per series, requests of the same shape
summarised together, and a full queue drops (and counts) rather than grows without bound."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest
import sqlalchemy as sa

from server import cpus
from server.composition import Application
from server.db.base import new_ids
from server.db.enums import PredictionSource
from server.db.models import Prediction
from server.domain.prediction.blobs import stored_forecast, stored_summary
from server.domain.prediction.history import Served, StoreProcess
from server.domain.prediction.writer import HistoryWriter
from tests.server.prediction.conftest import caller, deploy_model

MONTHS = np.array(["1961-02-01", "1961-03-01", "1961-04-01"], dtype="datetime64[ns]")


def served(owner: str, model: str, version: str, n: int, length: int, dated: bool, seed: int) -> Served:
    rng = np.random.default_rng(seed)
    lengths = np.full(n, length, dtype=np.int32)
    ids = new_ids(n)
    return Served(
        owner_id=owner,
        model_id=model,
        version_id=version,
        source=PredictionSource.UNARY if n == 1 else PredictionSource.STREAM,
        request=ids[0],
        ids=ids,
        series_ids=[f"s{seed}-{i}" for i in range(n)],
        values=rng.normal(100, 10, size=n * length).astype(np.float32),
        lengths=lengths,
        season_length=12,
        levels=(0.1, 0.9),
        point=rng.normal(size=(n, 3)).astype(np.float32),
        quantiles=rng.normal(size=(n, 3, 2)).astype(np.float32),
        times=np.broadcast_to(MONTHS, (n, 3)) if dated else None,
        latency_ms=float(seed),
    )


@pytest.mark.parametrize("separate_process", [False, True], ids=["thread", "process"])
async def test_rows_of_many_requests_read_back_per_series(
    application: Application, artifacts: list[Path], separate_process: bool
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    version = model.versions[0]
    requests = [served(ana.user_id, model.model_id, version, 1, 24, True, seed) for seed in range(5)]
    requests += [served(ana.user_id, model.model_id, version, 40, 30, False, 9)]
    writer = HistoryWriter(application.db, batch_series=1000, separate_process=separate_process)
    for item in requests:
        writer.record(item)
    await writer.flush()

    rows = await application.db.run(
        lambda s: {
            p.id: p for p in s.scalars(sa.select(Prediction).where(Prediction.model_id == model.model_id))
        }
    )
    assert len(rows) == 5 + 40
    for item in requests:
        for i, prediction_id in enumerate(item.ids):
            row = rows[prediction_id]
            assert (row.series_id, row.source, row.latency_ms) == (
                item.series_ids[i],
                item.source,
                item.latency_ms,
            )
            assert row.input_summary["request"] == item.request
            assert stored_summary(row)["length"] == int(item.lengths[i])
            forecast = stored_forecast(row)
            np.testing.assert_allclose(forecast["point"], item.point[i], rtol=1e-6)
            np.testing.assert_allclose(forecast["quantiles"], item.quantiles[i], rtol=1e-6)
            if item.times is None:
                assert forecast["timestamps"] is None
            else:
                assert forecast["timestamps"][0] == "1961-02-01T00:00:00+00:00"
    await writer.close()


async def test_a_full_queue_drops_and_counts(
    application: Application, artifacts: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    writer = HistoryWriter(application.db, max_queued_series=50)
    kept = served(ana.user_id, model.model_id, model.versions[0], 40, 12, False, 1)
    refused = served(ana.user_id, model.model_id, model.versions[0], 20, 12, False, 2)
    also_refused = served(ana.user_id, model.model_id, model.versions[0], 15, 12, False, 3)
    writer.record(kept)
    with caplog.at_level(logging.WARNING, logger="server.domain.prediction.writer"):
        writer.record(refused)  # 40 + 20 > 50 while the first still waits
        writer.record(also_refused)
    assert writer.queued_series == 40
    await writer.flush()
    assert writer.dropped == 35 and writer.queued_series == 0
    # One warning while the drops go on, not one per refused message.
    assert [r.getMessage() for r in caplog.records] == [
        "prediction history backlog full; 20 rows dropped so far"
    ]
    stored = await application.db.run(
        lambda s: set(s.scalars(sa.select(Prediction.id).where(Prediction.model_id == model.model_id)))
    )
    assert stored == set(kept.ids)
    await writer.close()


async def test_a_dead_history_process_is_replaced(application: Application, artifacts: list[Path]) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    version = model.versions[0]
    writer = HistoryWriter(application.db, separate_process=True)
    first = served(ana.user_id, model.model_id, version, 3, 12, True, 1)
    writer.record(first)
    await writer.flush()
    assert writer._process is not None
    dead = writer._process._process
    dead.kill()
    dead.join(10)

    second = served(ana.user_id, model.model_id, version, 4, 12, True, 2)
    writer.record(second)
    await writer.flush()
    assert writer._process._process.pid != dead.pid
    assert writer.dropped == 0
    stored = await application.db.run(
        lambda s: set(s.scalars(sa.select(Prediction.id).where(Prediction.model_id == model.model_id)))
    )
    assert stored == set(first.ids) | set(second.ids)
    await writer.close()
    assert writer._process is None


async def writing_in_a_process(application: Application, artifacts: list[Path], **how: Any) -> HistoryWriter:
    """A writer with its own history process (``how``: its scheduling), one request recorded."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    writer = HistoryWriter(application.db, separate_process=True, **how)
    writer.record(served(ana.user_id, model.model_id, model.versions[0], 2, 12, True, 3))
    return writer


async def test_the_history_process_runs_below_the_servers_cpu_priority(
    application: Application, artifacts: list[Path]
) -> None:
    writer = await writing_in_a_process(application, artifacts, nice=5)
    await writer.flush()
    assert writer._process is not None
    assert psutil.Process(writer._process._process.pid).nice() == os.nice(0) + 5
    assert os.sched_getscheduler(writer._process._process.pid) == os.SCHED_OTHER
    await writer.close()


async def test_an_idle_history_process_runs_only_when_the_cpus_are_idle(
    application: Application, artifacts: list[Path]
) -> None:
    writer = await writing_in_a_process(application, artifacts, idle=True)
    for _ in range(300):  # the child sets its policy first thing; its store may wait for idle CPUs
        process = writer._process._process if writer._process is not None else None
        if process is not None and process.pid and os.sched_getscheduler(process.pid) == os.SCHED_IDLE:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the history process did not take the SCHED_IDLE policy")
    await writer.close()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to leave one")
def test_the_history_process_of_a_pinned_server_runs_on_every_cpu(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    everywhere = sorted(os.sched_getaffinity(0))
    monkeypatch.setenv(cpus.CPUS_VARIABLE, ",".join(map(str, everywhere)))  # as cpus.pin leaves it
    started: list[StoreProcess] = []

    def start() -> None:  # from a thread on one CPU, as a pinned server's threads are
        os.sched_setaffinity(0, {everywhere[0]})
        started.append(StoreProcess(f"sqlite:///{tmp_path / 'history.db'}"))

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    [process] = started
    try:
        for _ in range(200):  # the child moves itself first thing
            if sorted(os.sched_getaffinity(process._process.pid or 0)) == everywhere:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the history process stayed on the server's CPU")
    finally:
        process.stop()


async def test_requests_gather_into_one_transaction_until_full_or_flushed(
    application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    version = model.versions[0]
    # A gathering window far longer than the test: only a full batch or a flush may end it.
    writer = HistoryWriter(application.db, batch_series=10, gather_seconds=600)
    transactions: list[int] = []
    store = writer._store

    async def counted(batch: list[Served]) -> None:
        transactions.append(sum(item.size for item in batch))
        await store(batch)

    writer._store = counted  # type: ignore[method-assign]
    for seed in range(3):  # three requests, one at a time, while the first one's window is open
        writer.record(served(ana.user_id, model.model_id, version, 1, 12, True, seed))
        await asyncio.sleep(0.05)
    assert transactions == [] and writer.queued_series == 3

    writer.record(served(ana.user_id, model.model_id, version, 8, 12, False, 3))  # 11 >= 10: due now
    await asyncio.wait_for(writer._queue.join(), timeout=30)
    assert transactions == [11]

    writer.record(served(ana.user_id, model.model_id, version, 2, 12, False, 4))
    await asyncio.sleep(0.05)
    await asyncio.wait_for(writer.flush(), timeout=30)
    assert transactions == [11, 2] and writer.queued_series == 0
    stored = await application.db.run(
        lambda s: len(list(s.scalars(sa.select(Prediction.id).where(Prediction.model_id == model.model_id))))
    )
    assert stored == 13
    await writer.close()


async def test_a_request_that_cannot_be_stored_does_not_take_its_transaction_with_it(
    application: Application, artifacts: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Its version deleted since it answered: its rows are dropped and counted, and the log says
    so in a line (an expected consequence of DeleteModel under traffic), not as an error."""
    caplog.set_level(logging.INFO, logger="server.domain.prediction.writer_storing")
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    version = model.versions[0]
    before = served(ana.user_id, model.model_id, version, 3, 12, True, 1)
    gone = served(ana.user_id, model.model_id, "a-version-deleted-meanwhile", 4, 12, True, 2)
    after = served(ana.user_id, model.model_id, version, 5, 12, False, 3)
    writer = HistoryWriter(application.db, gather_seconds=600)  # the three share one transaction
    for item in (before, gone, after):
        writer.record(item)
    await asyncio.wait_for(writer.flush(), timeout=30)
    assert writer.dropped == 4
    said = [r for r in caplog.records if r.name == "server.domain.prediction.writer_storing"]
    assert [r.levelno for r in said if "not stored" in r.getMessage()] == [logging.INFO]
    assert not [r for r in said if r.levelno >= logging.ERROR]
    stored = await application.db.run(
        lambda s: set(s.scalars(sa.select(Prediction.id).where(Prediction.model_id == model.model_id)))
    )
    assert stored == set(before.ids) | set(after.ids)
    await writer.close()
