"""Prediction history, written behind the request path in batched inserts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from server.db.models import Prediction
from training.profile import WINDOW

log = logging.getLogger(__name__)

# The recent values kept per input are what drift is measured on, so they match the windows
# the training profile was cut into.
SAMPLE_SIZE = WINDOW


def input_summaries(
    values: npt.NDArray[np.floating], lengths: npt.NDArray[np.integer], season_length: int, **extra: Any
) -> list[dict[str, Any]]:
    """For each packed input: length, statistics of its observed values, the last value, its last
    SAMPLE_SIZE values and its seasonal naive scale (lag ``season_length``, or 1 when the input
    is not longer than a season). Vectorised over the inputs: this runs for every series served.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    flat = np.asarray(values, dtype=np.float64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    seen = ~np.isnan(flat)
    count = np.add.reduceat(seen.astype(np.int64), starts)
    total = np.add.reduceat(np.where(seen, flat, 0.0), starts)
    mean = np.divide(total, count, out=np.full(lengths.size, np.nan), where=count > 0)
    spread = np.where(seen, flat - np.repeat(mean, lengths), 0.0) ** 2
    std = np.sqrt(
        np.divide(np.add.reduceat(spread, starts), count, out=np.full(lengths.size, np.nan), where=count > 0)
    )
    scale = _naive_scales(flat[seen], count, season_length)
    take = np.minimum(lengths, SAMPLE_SIZE)
    index = ends[:, None] - SAMPLE_SIZE + np.arange(SAMPLE_SIZE)[None, :]
    tails = flat[np.maximum(index, 0)]
    rows = _lists(tails)
    return [
        {
            "length": int(length),
            "observed": int(n),
            "mean": m,
            "std": sd,
            "last": row[-1],
            "sample": row[SAMPLE_SIZE - k :],
            "scale": sc,
            **extra,
        }
        for length, n, m, sd, row, k, sc in zip(
            lengths.tolist(),
            count.tolist(),
            _values(mean),
            _values(std),
            rows,
            take.tolist(),
            scale,
            strict=True,
        )
    ]


def _naive_scales(
    observed: npt.NDArray[np.float64], count: npt.NDArray[np.int64], season_length: int
) -> list[float | None]:
    """Mean absolute lag-m difference of each input's observed values (m as input_summaries says)."""
    series = np.repeat(np.arange(count.size), count)
    lag = np.where(count > season_length, season_length, 1)
    sums = np.zeros(count.size)
    for m in {season_length, 1}:
        if m < 1 or observed.size <= m:
            continue
        same = (series[m:] == series[:-m]) & (lag[series[m:]] == m)
        sums += np.bincount(series[m:][same], np.abs(observed[m:] - observed[:-m])[same], count.size)
    pairs = count - lag
    scale = np.divide(sums, pairs, out=np.zeros(count.size), where=pairs > 0)
    return [float(v) if v > 0 and math.isfinite(v) else None for v in scale.tolist()]


def _values(array: npt.NDArray[np.floating]) -> list[float | None]:
    """Python floats, NaN and infinities as None (JSON has neither)."""
    return [v if math.isfinite(v) else None for v in np.asarray(array, dtype=np.float64).tolist()]


def _lists(array: npt.NDArray[np.floating]) -> list[Any]:
    """``array.tolist()`` with NaN and infinities as None, fast when there are none."""
    as_float = np.asarray(array, dtype=np.float64)
    if np.isfinite(as_float).all():
        return as_float.tolist()  # type: ignore[no-any-return]
    boxed = as_float.astype(object)
    boxed[~np.isfinite(as_float)] = None
    return boxed.tolist()  # type: ignore[no-any-return]


def iso_times(stamps: npt.NDArray[np.datetime64]) -> list[Any]:
    """UTC datetime64 values (any shape) as ISO 8601 text with the offset, like
    ``datetime.isoformat()`` of an aware UTC datetime."""
    text = np.char.add(np.datetime_as_string(stamps.astype("datetime64[us]"), unit="s"), "+00:00")
    return text.tolist()  # type: ignore[no-any-return]


def forecast_records(
    point: npt.NDArray[np.float32],
    quantiles: npt.NDArray[np.float32],
    levels: tuple[float, ...],
    timestamps: list[list[str] | None],
) -> list[dict[str, Any]]:
    """The stored forecast of each series: point (n, h), quantiles (n, h, q), and per series the
    forecast timestamps as ISO 8601 text (see iso_times), or None."""
    levels_list = list(levels)
    return [
        {
            "levels": levels_list,
            "point": p,
            "quantiles": q,
            "timestamps": stamps,
        }
        for p, q, stamps in zip(_lists(point), _lists(quantiles), timestamps, strict=True)
    ]


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
