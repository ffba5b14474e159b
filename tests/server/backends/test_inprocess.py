"""The in-process backend bounds OpenMP's threads in the threads that run forward passes, not only
in the thread that built it: OpenMP keeps the count per thread, and a pass thread left at the
default gets a team of one thread per core whose idle members spin on the event loop's cores."""

from __future__ import annotations

import asyncio
import ctypes
import os
from pathlib import Path

import pytest
import torch

from server.backends.inprocess import InProcessBackend

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
