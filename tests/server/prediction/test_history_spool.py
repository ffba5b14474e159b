"""The history's spool: requests past the memory queue wait on disk and are all stored, across a
server's stop and restart too, each exactly once; only a full spool drops (and counts)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import psycopg2  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa

from server.composition import Application
from server.db.models import Prediction
from server.domain.prediction import writer as history_writer
from server.domain.prediction.history import DatabaseDown, Served, StoreProcess
from server.domain.prediction.spool import Spool
from server.domain.prediction.spool_files import HEADER, SUFFIX
from server.domain.prediction.writer import HistoryWriter
from tests.server.prediction.conftest import caller, deploy_model
from tests.server.prediction.test_history_writer import served

MIB = 2**20


async def stored_ids(application: Application, model_id: str) -> list[str]:
    return await application.db.run(  # type: ignore[no-any-return]
        lambda s: list(s.scalars(sa.select(Prediction.id).where(Prediction.model_id == model_id)))
    )


async def drained(writer: HistoryWriter) -> None:
    """Start ``writer`` (a server starting on a spool) and wait until its backlog is stored."""
    writer.start()
    await asyncio.wait_for(writer.flush(), timeout=30)


def left_in_spool(root: Path, *served: Served) -> None:
    """The spool under ``root`` as a server killed with ``served`` in it leaves it."""
    spool = Spool(root, 10 * MIB)
    for item in served:
        assert spool.append(item)
    spool.close()


def segments(root: Path) -> list[Path]:
    return sorted(root.glob("*/*" + SUFFIX))


async def requests(
    application: Application, artifacts: list[Path], sizes: list[int]
) -> tuple[str, list[Served]]:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    version = model.versions[0]
    return model.model_id, [
        served(ana.user_id, model.model_id, version, n, 12, seed % 2 == 0, seed)
        for seed, n in enumerate(sizes)
    ]


@pytest.mark.parametrize("separate_process", [False, True], ids=["thread", "process"])
async def test_requests_past_the_memory_queue_are_spooled_then_stored(
    application: Application, artifacts: list[Path], tmp_path: Path, separate_process: bool
) -> None:
    model_id, sent = await requests(application, artifacts, [40, 20, 15, 30])
    spool = Spool(tmp_path / "spool", 10 * MIB)
    writer = HistoryWriter(
        application.db, max_queued_series=50, separate_process=separate_process, spool=spool
    )
    for item in sent:
        writer.record(item)
    # 40 fit in memory; the next three would pass 50 while the first waits, so they go to disk.
    assert (writer.queued_series, spool.spooled, writer.dropped) == (105, 65, 0)
    await writer.flush()
    assert writer.queued_series == 0 and writer.dropped == 0
    assert sorted(await stored_ids(application, model_id)) == sorted(i for item in sent for i in item.ids)
    assert segments(tmp_path / "spool") == []  # emptied segments are deleted
    await writer.close()


async def test_a_full_spool_drops_and_counts(
    application: Application, artifacts: list[Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_id, (kept, spooled, refused) = await requests(application, artifacts, [40, 20, 500])
    spool = Spool(tmp_path / "spool", 32 * 1024)  # room for the 20 series (3 KiB), not for the 500 (48)
    writer = HistoryWriter(application.db, max_queued_series=50, spool=spool)
    with caplog.at_level(logging.WARNING, logger="server.domain.prediction.writer"):
        for item in (kept, spooled, refused):
            writer.record(item)
    assert (spool.spooled, writer.dropped) == (20, 500)
    assert [r.getMessage() for r in caplog.records] == [
        "prediction history backlog full; 500 rows dropped so far"
    ]
    await writer.flush()
    assert sorted(await stored_ids(application, model_id)) == sorted([*kept.ids, *spooled.ids])
    await writer.close()


async def test_what_a_stopping_server_could_not_store_is_stored_by_the_next(
    application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    model_id, sent = await requests(application, artifacts, [30, 10, 25, 5])
    root = tmp_path / "spool"
    writer = HistoryWriter(application.db, max_queued_series=35, spool=Spool(root, 10 * MIB))
    stuck = asyncio.Event()

    async def never_done(batch: list[Served]) -> None:  # a database that does not answer in time
        await stuck.wait()

    writer._store = never_done  # type: ignore[method-assign]
    for item in sent:
        writer.record(item)
    await asyncio.sleep(0.05)  # the first transaction is under way
    await writer.close(store_for=0.2)
    assert writer.dropped == 0
    assert await stored_ids(application, model_id) == []
    assert segments(root)  # the memory queue and the cut transaction went to disk too

    restarted = HistoryWriter(application.db, max_queued_series=35, spool=Spool(root, 10 * MIB))
    assert restarted.queued_series == 70
    await drained(restarted)
    assert sorted(await stored_ids(application, model_id)) == sorted(i for item in sent for i in item.ids)
    assert segments(root) == [] and restarted.dropped == 0
    await restarted.close()


async def test_requests_already_stored_are_not_stored_twice_after_a_restart(
    application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    model_id, (committed, pending) = await requests(application, artifacts, [8, 6])
    root = tmp_path / "spool"
    first = HistoryWriter(application.db)
    first.record(committed)
    await first.flush()
    await first.close()
    # A server killed after committing a spooled request, before deleting its segment.
    left_in_spool(root, committed, pending)

    restarted = HistoryWriter(application.db, spool=Spool(root, 10 * MIB))
    await drained(restarted)
    assert restarted.dropped == 0  # no duplicate key failed the transaction
    assert sorted(await stored_ids(application, model_id)) == sorted([*committed.ids, *pending.ids])
    await restarted.close()


async def test_a_record_cut_short_by_a_kill_is_cut_away(
    application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    model_id, (whole, cut) = await requests(application, artifacts, [4, 3])
    root = tmp_path / "spool"
    left_in_spool(root, whole, cut)
    [segment] = segments(root)
    size = segment.stat().st_size
    with segment.open("r+b") as file:
        file.truncate(size - 100)  # the second record's end never reached the disk

    restarted = HistoryWriter(application.db, spool=Spool(root, 10 * MIB))
    assert restarted.queued_series == 4
    await drained(restarted)
    assert sorted(await stored_ids(application, model_id)) == sorted(whole.ids)
    await restarted.close()


async def test_each_process_spools_apart_and_takes_over_a_stopped_ones_segments(
    application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    _, (a, b) = await requests(application, artifacts, [2, 3])
    root = tmp_path / "spool"
    one, two = Spool(root, MIB), Spool(root, MIB)
    assert one.directory != two.directory
    assert one.append(a) and two.append(b)
    two.close()  # a process stopped with a backlog
    assert one.rows == 2  # a running process's slot is not taken over
    three = Spool(root, MIB)  # claims the free slot, and takes over nothing of a running one
    assert three.directory == two.directory and three.rows == 3
    taken = three.take(100)
    assert [item.ids for item in taken.served] == [b.ids] and taken.recovered
    assert three.rows == 3  # until handed over
    three.handed_over(taken)
    three.finish(taken)
    assert three.bytes == 0 and three.rows == 0
    one.close()
    four = Spool(root, MIB)  # the first slot is free again, its segment still there
    assert four.rows == 2 and four.bytes == sum(path.stat().st_size for path in segments(root))
    three.close()
    four.close()


async def test_a_record_the_disk_refuses_is_counted_lost_and_leaves_no_partial_record(
    application: Application, artifacts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_id, (first, refused, last) = await requests(application, artifacts, [2, 3, 4])
    root = tmp_path / "spool"
    spool = Spool(root, MIB)
    writer = HistoryWriter(application.db, max_queued_series=1, spool=spool)
    writev = os.writev

    def full_disk(descriptor: int, buffers: list[bytes]) -> int:
        os.write(descriptor, buffers[0])  # the header reached the disk, the rest did not
        return len(buffers[0])

    writer.record(first)
    spool.take(0)  # the record is written (the spool's thread runs in order)
    monkeypatch.setattr(os, "writev", full_disk)
    writer.record(refused)
    spool.take(0)
    monkeypatch.setattr(os, "writev", writev)
    writer.record(last)
    assert (spool.lost, writer.dropped) == (3, 3)
    await asyncio.wait_for(writer.flush(), timeout=30)
    assert sorted(await stored_ids(application, model_id)) == sorted([*first.ids, *last.ids])
    assert spool.bytes == 0 and writer.queued_series == 0
    await writer.close()


async def test_an_unreadable_record_is_counted_lost_and_the_rest_stored(
    application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    model_id, (before, damaged, after) = await requests(application, artifacts, [2, 3, 4])
    root = tmp_path / "spool"
    left_in_spool(root, before, damaged, after)
    [segment] = segments(root)
    data = bytearray(segment.read_bytes())
    first = HEADER.size + HEADER.unpack_from(data)[0]
    data[first + HEADER.size : first + HEADER.size + 16] = b"\xff" * 16  # the second record's pickle
    segment.write_bytes(bytes(data))

    restarted = HistoryWriter(application.db, spool=Spool(root, MIB))
    await drained(restarted)
    assert restarted.dropped == 3
    assert sorted(await stored_ids(application, model_id)) == sorted([*before.ids, *after.ids])
    await restarted.close()


def outage() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT", {}, psycopg2.OperationalError("server closed the connection"))


async def test_while_the_database_is_down_the_rows_wait_in_the_spool(
    application: Application, artifacts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_id, sent = await requests(application, artifacts, [3, 4, 5])
    monkeypatch.setattr(history_writer, "SPOOL_RETRY_SECONDS", 0.01)
    spool = Spool(tmp_path / "spool", MIB)
    writer = HistoryWriter(application.db, spool=spool)
    store, failures = writer._store, [outage(), outage(), outage()]

    async def down_then_back(batch: list[Served]) -> None:
        if failures:
            raise failures.pop()
        await store(batch)

    writer._store = down_then_back  # type: ignore[method-assign]
    for item in sent:
        writer.record(item)
    await asyncio.wait_for(writer.flush(), timeout=30)
    assert failures == [] and writer.dropped == 0
    assert spool.spooled == 3 * 12  # each failed try put the twelve rows (back) in the spool
    assert sorted(await stored_ids(application, model_id)) == sorted(i for item in sent for i in item.ids)
    await writer.close()


async def test_rows_whose_commit_went_unanswered_are_not_stored_twice(
    application: Application, artifacts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_id, sent = await requests(application, artifacts, [3, 4])
    monkeypatch.setattr(history_writer, "SPOOL_RETRY_SECONDS", 0.01)
    spool = Spool(tmp_path / "spool", MIB)
    writer = HistoryWriter(application.db, spool=spool)
    store, calls = writer._store, []

    async def committed_then_cut_off(batch: list[Served]) -> None:
        calls.append(sum(item.size for item in batch))
        await store(batch)
        if len(calls) == 1:  # the commit happened; its answer was lost with the connection
            raise outage()

    writer._store = committed_then_cut_off  # type: ignore[method-assign]
    for item in sent:
        writer.record(item)
    await asyncio.wait_for(writer.flush(), timeout=30)
    assert calls == [7] and spool.spooled == 7  # read back, found stored, not sent again
    assert writer.dropped == 0
    assert sorted(await stored_ids(application, model_id)) == sorted([*sent[0].ids, *sent[1].ids])
    await writer.close()


def test_the_history_process_tells_an_unavailable_database_from_a_failed_insert(tmp_path: Path) -> None:
    rows = served("owner", "model", "version", 2, 12, True, 1)
    down = StoreProcess("postgresql+psycopg2://quantis@127.0.0.1:9/none")  # nothing listens on port 9
    try:
        with pytest.raises(DatabaseDown):
            down.store([rows])
    finally:
        down.stop()
    url = f"sqlite:///{tmp_path / 'empty.db'}"  # reachable, but without the predictions table
    broken = StoreProcess(url)
    try:
        with pytest.raises(RuntimeError) as failed:
            broken.store([rows])
        assert not isinstance(failed.value, DatabaseDown)
    finally:
        broken.stop()
