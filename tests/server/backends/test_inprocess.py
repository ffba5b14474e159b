"""The in-process backend bounds OpenMP's threads in the threads that run forward passes, not only
in the thread that built it: OpenMP keeps the count per thread, and a pass thread left at the
default gets a team of one thread per core whose idle members spin on the event loop's cores.
Forecasts that hold the interpreter lock run in worker processes instead."""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from server.backends.base import SeriesBatch, VersionRef
from server.backends.inprocess import InProcessBackend
from server.composition_prediction import prediction_runtime
from server.db.database import Database
from server.errors import Unavailable
from tests.server.conftest import make_settings
from training import Panel, create_forecaster, load_artifact, save_artifact
from training.datasets import load_demo
from training.errors import InvalidDataError

LIBGOMP = Path(torch.__file__).parent / "lib" / "libgomp.so.1"


def _openmp_threads() -> int:
    return int(ctypes.CDLL(str(LIBGOMP)).omp_get_max_threads())


@pytest.mark.skipif(not LIBGOMP.exists(), reason="this torch build does not use GNU OpenMP")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: OpenMP's default team is one thread anyway")
async def test_pass_threads_use_the_configured_openmp_threads() -> None:
    backend = InProcessBackend(torch_threads=1)
    try:
        in_pool = await asyncio.get_running_loop().run_in_executor(backend._pool, _openmp_threads)
    finally:
        await backend.close()
    assert in_pool == 1


def _wait_for_partner(barrier: threading.Barrier) -> str:
    barrier.wait(timeout=10)  # broken (an error) unless a second pass runs at the same time
    return threading.current_thread().name


async def test_inference_workers_run_that_many_passes_at_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/q.db", inference_workers=2)
    runtime = prediction_runtime(settings, Database.connect(settings.resolved_database_url))
    try:
        assert runtime.batcher.max_concurrent == 2
        assert isinstance(runtime.backend, InProcessBackend)
        barrier = threading.Barrier(2)
        loop = asyncio.get_running_loop()
        names = await asyncio.gather(
            *(loop.run_in_executor(runtime.backend._pool, _wait_for_partner, barrier) for _ in range(2))
        )
    finally:
        await runtime.close()
    assert len(set(names)) == 2


@pytest.fixture(scope="module")
def ets_version(tmp_path_factory: pytest.TempPathFactory) -> VersionRef:
    air = Panel.from_long(load_demo("airpassengers"))
    model = create_forecaster("AUTO_ETS", {"max_history": 5000})
    model.fit(air, 12)
    return VersionRef("ets", save_artifact(model, tmp_path_factory.mktemp("ets"), panel=air, metrics={}))


def _long_series(length: int) -> SeriesBatch:
    season = 100 + 20 * np.sin(np.arange(12) / 12 * 2 * np.pi)
    values = (np.tile(season, length // 12 + 1)[:length] + np.arange(length) * 0.01).astype(np.float32)
    return SeriesBatch(values, np.array([length], np.int32), 6, (0.1, 0.5, 0.9))


async def test_a_forecast_holding_the_interpreter_runs_in_a_worker_process(ets_version: VersionRef) -> None:
    """AutoETS's compiled fit keeps the interpreter lock for its whole run: from a thread of the
    server it stalled every call for as long (tens of seconds for a long series). In a worker
    process the event loop goes on turning meanwhile, and the answer is the model's own."""
    backend = InProcessBackend(workers=1)
    batch = _long_series(4000)
    try:
        await backend.forecast(ets_version, _long_series(100))  # the worker process is up
        turns = 0
        task = asyncio.ensure_future(backend.forecast(ets_version, batch))
        while not task.done():
            await asyncio.sleep(0.01)
            turns += 1
        answer = task.result()
    finally:
        await backend.close()
    direct = load_artifact(ets_version.artifact_path)
    point, quantiles = direct.predict_packed(batch.values, batch.lengths, 6, batch.quantiles)
    np.testing.assert_allclose(answer.point, point, rtol=1e-6)
    np.testing.assert_allclose(answer.quantiles, quantiles, rtol=1e-6)
    started = time.perf_counter()
    direct.predict_packed(batch.values, batch.lengths, 6, batch.quantiles)
    alone = time.perf_counter() - started
    # A pass that held the lock in this process let the loop turn 7 times a second (14 in 2.1 s);
    # in a worker it turns every 10 ms asked for (about 100 a second).
    assert turns >= min(60, alone * 30), (turns, alone)


async def test_a_worker_process_that_dies_is_unavailable_then_replaced(ets_version: VersionRef) -> None:
    backend = InProcessBackend(workers=1)
    try:
        await backend.forecast(ets_version, _long_series(100))
        task = asyncio.ensure_future(backend.forecast(ets_version, _long_series(20_000)))
        await asyncio.sleep(0.5)
        for process in list(backend._processes._processes.values()):
            process.kill()
        with pytest.raises(Unavailable):
            await task
        after = await backend.forecast(ets_version, _long_series(100))
        bad = SeriesBatch(np.full(30, np.nan, np.float32), np.array([30], np.int32), 6, (0.5,))
        with pytest.raises(InvalidDataError):
            await backend.forecast(ets_version, bad)
    finally:
        await backend.close()
    assert np.isfinite(after.point).all()
