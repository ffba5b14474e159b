"""Lookback/horizon windows cut from ragged packed series, all vectorised with numpy.

A window is (series index, origin): the context is the ``lookback`` points before the
origin (left-padded with zeros and mask 0 when the series is shorter), the target the
``horizon`` points from the origin on. Missing values (NaN) in a context are masked too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]


def offsets(lengths: npt.NDArray[np.int32]) -> I64:
    """Start of each segment in the flat array."""
    return np.concatenate([[0], np.cumsum(lengths.astype(np.int64))[:-1]]).astype(np.int64)


@dataclass(frozen=True)
class Windows:
    series: I64  # which series each window comes from
    origin: I64  # index (within its series) of the first forecast point


def training_windows(
    lengths: npt.NDArray[np.int32], lookback: int, horizon: int, min_context: int, holdout: int
) -> tuple[Windows, Windows]:
    """Train and validation windows, split by time.

    Validation: the windows whose targets lie in each series' last ``holdout`` points (when
    ``holdout`` >= ``horizon`` and the series is long enough): one per series when ``holdout``
    is the horizon, ``holdout - horizon + 1`` rolling origins per series when it is longer.
    Training: every origin whose whole target lies before those points, with at least
    ``min_context`` past points.
    """
    lens = lengths.astype(np.int64)
    val_ok = lens - holdout >= min_context if holdout > 0 else np.zeros_like(lens, dtype=bool)
    last_train_target = np.where(val_ok, lens - holdout, lens)  # exclusive end of train targets
    last_origin = last_train_target - horizon
    counts = np.maximum(last_origin - min_context + 1, 0)
    series = np.repeat(np.arange(lens.size), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    origin = min_context + np.arange(series.size) - first
    per_series = max(holdout - horizon + 1, 0)  # none when holdout < horizon
    validated = np.flatnonzero(val_ok)
    val_series = np.repeat(validated, per_series)
    val_origin = lens[val_series] - holdout + np.tile(np.arange(per_series), validated.size)
    val = Windows(val_series.astype(np.int64), val_origin.astype(np.int64))
    del lookback  # windows are defined by origins; the context length is applied when gathering
    return Windows(series.astype(np.int64), origin.astype(np.int64)), val


def validation_holdout(
    lengths: npt.NDArray[np.int32], horizon: int, min_context: int, min_windows: int
) -> int:
    """How many final points of each series to hold out for validation so that there are about
    ``min_windows`` validation windows (rolling origins a step apart, at most ``horizon`` per
    series), never taking more than half of the longest series' training windows: a panel of
    many series has enough with one window each, a single series needs several."""
    per_series = -(-min_windows // max(lengths.size, 1))
    trainable = int(lengths.max(initial=0)) - 2 * horizon - min_context + 1  # with one validation origin
    extra = max(min(per_series, horizon, trainable // 2) - 1, 0)
    return horizon + extra


def gather_context(
    flat: npt.NDArray[np.floating], lengths: npt.NDArray[np.int32], windows: Windows, lookback: int
) -> tuple[F32, F32]:
    """(values, mask) of shape (W, lookback); padded/missing points are 0 with mask 0."""
    start = offsets(lengths)[windows.series]
    pos = windows.origin[:, None] - lookback + np.arange(lookback)[None, :]
    valid = pos >= 0
    idx = np.where(valid, start[:, None] + pos, 0)
    vals = np.asarray(flat, dtype=np.float64)[idx]
    mask = valid & ~np.isnan(vals)
    return np.where(mask, vals, 0.0).astype(np.float32), mask.astype(np.float32)


def gather_target(
    flat: npt.NDArray[np.floating], lengths: npt.NDArray[np.int32], windows: Windows, horizon: int
) -> F32:
    start = offsets(lengths)[windows.series]
    idx = start[:, None] + windows.origin[:, None] + np.arange(horizon)[None, :]
    target: F32 = np.asarray(flat, dtype=np.float32)[idx]
    return target


def last_windows(lengths: npt.NDArray[np.int32]) -> Windows:
    """One window per series whose origin is just after its last point (for forecasting)."""
    return Windows(np.arange(lengths.size, dtype=np.int64), lengths.astype(np.int64))


def window_norm(context: F32, mask: F32, floor: float = 0.05) -> tuple[F32, F32]:
    """Location (masked mean) and scale (masked std, floored) of each context row."""
    count = np.maximum(mask.sum(axis=1), 1.0)
    loc = (context * mask).sum(axis=1) / count
    var = (((context - loc[:, None]) * mask) ** 2).sum(axis=1) / count
    return loc.astype(np.float32), np.maximum(np.sqrt(var), floor).astype(np.float32)
