"""Prediction history, written behind the request path in batched inserts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from server.db.models import Prediction
from training.profile import WINDOW

log = logging.getLogger(__name__)

# The recent values kept per input are what drift is measured on, so they match the windows
# the training profile was cut into.
SAMPLE_SIZE = WINDOW


def input_summary(values: npt.NDArray[np.floating], season_length: int, **extra: Any) -> dict[str, Any]:
    """Length, statistics, the last value, a small sample and the seasonal naive scale of one input."""
    observed = values[~np.isnan(values)].astype(np.float64)
    summary: dict[str, Any] = {
        "length": int(values.size),
        "observed": int(observed.size),
        "mean": _finite(observed.mean()) if observed.size else None,
        "std": _finite(observed.std()) if observed.size else None,
        "last": _finite(float(values[-1])) if values.size else None,
        "sample": [_finite(float(v)) for v in values[-SAMPLE_SIZE:]],
        "scale": _naive_scale(observed, season_length),
    }
    summary.update(extra)
    return summary


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _naive_scale(y: npt.NDArray[np.float64], season_length: int) -> float | None:
    m = season_length if y.size > season_length else 1
    if y.size <= m:
        return None
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    return scale if scale > 0 and math.isfinite(scale) else None


def forecast_json(
    point: npt.NDArray[np.float32],
    quantiles: npt.NDArray[np.float32],
    levels: tuple[float, ...],
    timestamps: list[datetime] | None,
) -> dict[str, Any]:
    return {
        "levels": list(levels),
        "point": [_finite(v) for v in point.astype(np.float64).tolist()],
        "quantiles": [[_finite(v) for v in row] for row in quantiles.astype(np.float64).tolist()],
        "timestamps": [t.isoformat() for t in timestamps] if timestamps is not None else None,
    }


class HistoryWriter:
    """An asyncio queue of prediction rows drained by one background task in batched inserts.

    ``record`` never waits for the database; ``flush`` waits until everything
    recorded so far is stored; ``close`` flushes and stops the task.
    """

    def __init__(
        self,
        db: Any,
        *,
        batch_size: int = 500,
        max_queue: int = 100_000,
        on_record: Callable[[list[dict[str, Any]]], None] | None = None,
    ):
        self._db = db
        self._on_record = on_record
        self._batch_size = batch_size
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def record(self, rows: list[dict[str, Any]]) -> None:
        if self._on_record is not None:  # the prediction counters, whether or not the rows get stored
            self._on_record(rows)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())
        for row in rows:
            try:
                self._queue.put_nowait(row)
            except asyncio.QueueFull:
                self.dropped += 1
        if self.dropped:
            log.warning("prediction history queue full; %d rows dropped", self.dropped)

    async def _drain(self) -> None:
        while True:
            rows = [await self._queue.get()]
            while len(rows) < self._batch_size and not self._queue.empty():
                rows.append(self._queue.get_nowait())
            try:
                await self._db.run(lambda s, batch=rows: s.add_all([Prediction(**row) for row in batch]))
            except Exception:
                log.exception("could not store %d predictions", len(rows))
            finally:
                for _ in rows:
                    self._queue.task_done()

    async def flush(self) -> None:
        if self._task is not None:
            await self._queue.join()

    async def close(self) -> None:
        if self._task is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), timeout=10)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
