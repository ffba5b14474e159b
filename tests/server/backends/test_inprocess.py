"""The in-process backend bounds OpenMP's threads in the threads that run forward passes, not only
in the thread that built it: OpenMP keeps the count per thread, and a pass thread left at the
default gets a team of one thread per core whose idle members spin on the event loop's cores."""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
from pathlib import Path

import pytest
import torch

from server.backends.inprocess import InProcessBackend
from server.composition_prediction import prediction_runtime
from server.db.database import Database
from tests.server.conftest import make_settings

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
