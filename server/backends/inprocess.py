"""The in-process backend: versions loaded into this process, forward passes off the event loop.

Passes with at most ``inline_max_series`` series run inline on the event loop,
where a sub-millisecond forward pass costs less than the hop to a thread;
larger ones run in a bounded thread pool so the loop keeps moving bytes.
Torch intra-op threads are bounded (``torch_threads``) in every thread that runs a pass.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import torch

from server.backends.base import ForecastArrays, SeriesBatch, VersionRef
from training import Forecaster, load_artifact


class InProcessBackend:
    name = "in-process"

    def __init__(self, *, torch_threads: int = 1, workers: int = 1, inline_max_series: int = 0):
        torch.set_num_threads(torch_threads)
        # Again in each pool thread: OpenMP's thread count is per thread, and a thread that never
        # set it gives oneDNN (the LSTM kernels) a team of one thread per core, whose idle members
        # spin between passes on the cores the event loop needs.
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="inference",
            initializer=torch.set_num_threads,
            initargs=(torch_threads,),
        )
        self._inline_max_series = inline_max_series
        self._models: dict[str, Forecaster] = {}
        self._loading = threading.Lock()

    def _load_sync(self, version: VersionRef) -> Forecaster:
        with self._loading:
            model = self._models.get(version.version_id)
            if model is None:
                model = load_artifact(version.artifact_path)
                self._models[version.version_id] = model
            return model

    async def load(self, version: VersionRef) -> None:
        if version.version_id not in self._models:
            await asyncio.get_running_loop().run_in_executor(self._pool, self._load_sync, version)

    async def unload(self, version_id: str) -> None:
        self._models.pop(version_id, None)

    def _forecast_sync(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        model = self._models.get(version.version_id) or self._load_sync(version)
        point, quantiles = model.predict_packed(
            batch.values, batch.lengths, batch.horizon, batch.quantiles, batch.last_timestamps
        )
        return ForecastArrays(point, quantiles)

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        if version.version_id in self._models and batch.size <= self._inline_max_series:
            return self._forecast_sync(version, batch)
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._forecast_sync, version, batch
        )

    async def ping(self) -> str:
        return f"in-process, {len(self._models)} versions loaded"

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._models.clear()
