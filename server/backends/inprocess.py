"""The in-process backend: versions loaded into this process, forward passes off the event loop
unless they are short.

A pass that is expected to take at most ``inline_max_seconds`` of CPU runs inline on the event
loop, where it costs less than the hop to a thread and back; the others run in a bounded thread
pool so the loop keeps moving bytes. What a pass is expected to take is learnt per version and
size class from the passes before it (PassCosts); the first pass of a size class runs in the
pool. The loop takes no request while a pass runs on it: the dynamic batcher makes up for that
(server.backends.batcher, INLINE_HOLD in server.backends.inline_hold).
Torch intra-op threads are bounded (``torch_threads``) in every thread that runs a pass.

A model whose forecast keeps the interpreter lock throughout (``holds_interpreter``: the
statistical references, whose compiled fits never release it) would stall the event loop from
any thread of this process, so its passes run in worker processes instead (``workers`` of them,
started on first use), which load the version themselves.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

import torch

from server import cpus
from server.backends.base import ForecastArrays, SeriesBatch, VersionRef, versions_held
from server.errors import Unavailable
from training import Forecaster, load_artifact

T = TypeVar("T")


class PassCosts:
    """The CPU seconds forward passes have taken, per version and size class (the number of
    series rounded down to a power of two), as a moving average of the passes so far.

    CPU time of the thread that ran the pass, not wall time: a pass in the pool also waits for
    the interpreter lock the event loop holds, which it would not wait for inline.
    """

    WEIGHT = 0.2  # of the newest pass in the average

    def __init__(self) -> None:
        self._seconds: dict[tuple[str, int], float] = {}

    def expected(self, version_id: str, series: int) -> float | None:
        """What a pass of ``series`` series is expected to take; None before the first of its class."""
        return self._seconds.get((version_id, series.bit_length()))

    def observe(self, version_id: str, series: int, seconds: float) -> None:
        key = (version_id, series.bit_length())
        before = self._seconds.get(key)
        self._seconds[key] = seconds if before is None else before + self.WEIGHT * (seconds - before)

    def forget(self, version_id: str) -> None:
        for key in list(self._seconds):  # a copy: a pass in the pool may add a key meanwhile
            if key[0] == version_id:
                self._seconds.pop(key, None)


def _inference_thread(torch_threads: int) -> None:
    """An inference thread's start. Its passes run torch with the interpreter lock let go, on
    every CPU (server.cpus). torch's thread count is set again: OpenMP's is per thread, and a
    thread that never set it gives oneDNN (the LSTM kernels) a team of one thread per core, whose
    idle members spin between passes on the cores the event loop needs."""
    cpus.unpin()
    torch.set_num_threads(torch_threads)


class InProcessBackend:
    name = "in-process"
    shared = False

    def __init__(self, *, torch_threads: int = 1, workers: int = 1, inline_max_seconds: float = 0.0):
        torch.set_num_threads(torch_threads)
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="inference",
            initializer=_inference_thread,
            initargs=(torch_threads,),
        )
        self._workers = workers
        self._processes = self._process_pool()
        self._inline_max_seconds = inline_max_seconds
        self.costs = PassCosts()
        self._models: dict[str, Forecaster] = {}
        self._loading = threading.Lock()

    def _process_pool(self) -> ProcessPoolExecutor:
        # Spawned, not forked: a fork would copy gRPC's and torch's threads' locks mid-use.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=self._workers, mp_context=context, initializer=cpus.unpin)

    def _load_sync(self, version: VersionRef) -> Forecaster:
        with self._loading:
            model = self._models.get(version.version_id)
            if model is None:
                model = load_artifact(version.artifact_path)
                self._models[version.version_id] = model
            return model

    async def load(self, version: VersionRef) -> None:
        if version.version_id not in self._models:
            await self._loaded(version)

    async def _loaded(self, version: VersionRef) -> Forecaster:
        loop = asyncio.get_running_loop()
        model = await loop.run_in_executor(self._pool, self._load_sync, version)
        if model.holds_interpreter:  # a worker process starts (seconds) and loads it before a pass waits
            await self._in_worker(_warm, version.artifact_path)
        return model

    async def unload(self, version_id: str) -> None:
        self._models.pop(version_id, None)
        self.costs.forget(version_id)

    def _forecast_sync(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        model = self._models.get(version.version_id) or self._load_sync(version)
        started = time.thread_time()
        point, quantiles = model.predict_packed(
            batch.values, batch.lengths, batch.horizon, batch.quantiles, batch.last_timestamps
        )
        self.costs.observe(version.version_id, batch.size, time.thread_time() - started)
        return ForecastArrays(point, quantiles)

    def _inline(self, version: VersionRef, batch: SeriesBatch) -> bool:
        if self._inline_max_seconds <= 0 or version.version_id not in self._models:
            return False  # loading a version is no work for the event loop
        expected = self.costs.expected(version.version_id, batch.size)
        return expected is not None and expected <= self._inline_max_seconds

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        model = self._models.get(version.version_id) or await self._loaded(version)
        if model.holds_interpreter:
            return await self._in_worker(_forecast_in_worker, version.artifact_path, batch)
        if self._inline(version, batch):
            return self._forecast_sync(version, batch)
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._forecast_sync, version, batch
        )

    async def _in_worker(self, function: Callable[..., T], *args: object) -> T:
        pool = self._processes
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            if self._processes is pool:  # the first pass to find it broken starts a new one
                self._processes = self._process_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise Unavailable("the in-process backend's worker process died; retry") from None

    async def ping(self) -> str:
        return f"in-process, {versions_held(len(self._models), 'loaded')}"

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._processes.shutdown(wait=False, cancel_futures=True)
        self._models.clear()


@functools.lru_cache(maxsize=64)
def _worker_model(artifact_path: Path) -> Forecaster:
    """A version as a worker process holds it: loaded on its first pass there."""
    return load_artifact(artifact_path)


def _warm(artifact_path: Path) -> None:
    _worker_model(artifact_path)


def _forecast_in_worker(artifact_path: Path, batch: SeriesBatch) -> ForecastArrays:
    point, quantiles = _worker_model(artifact_path).predict_packed(
        batch.values, batch.lengths, batch.horizon, batch.quantiles, batch.last_timestamps
    )
    return ForecastArrays(point, quantiles)
