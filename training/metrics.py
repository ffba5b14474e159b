"""Point and interval accuracy: MAE, RMSE, sMAPE, MASE (seasonal-naive scale), coverage."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating]


def _pair(actual: Array, forecast: Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if a.shape != f.shape:
        raise ValueError(f"actual {a.shape} and forecast {f.shape} differ in shape")
    return a, f


def mae(actual: Array, forecast: Array) -> float:
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f)))


def rmse(actual: Array, forecast: Array) -> float:
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2)))


def smape(actual: Array, forecast: Array) -> float:
    """Symmetric MAPE in percent, 200 |a - f| / (|a| + |f|); terms with a = f = 0 count as 0."""
    a, f = _pair(actual, forecast)
    denom = np.abs(a) + np.abs(f)
    terms = np.divide(2.0 * np.abs(a - f), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(terms))


def seasonal_naive_scale(insample: Array, season_length: int) -> float:
    """Mean absolute in-sample error of the seasonal naive forecast (naive when too short)."""
    y = np.asarray(insample, dtype=np.float64)
    m = season_length if y.size > season_length else 1
    if y.size <= m:
        raise ValueError("need more in-sample points than the season length to scale MASE")
    return float(np.mean(np.abs(y[m:] - y[:-m])))


def mase(actual: Array, forecast: Array, insample: Array, season_length: int) -> float:
    """Mean absolute scaled error against the in-sample seasonal naive forecast; NaN when the
    in-sample data gives no scale (one value, or a constant series)."""
    if np.asarray(insample).size < 2:
        return float("nan")
    scale = seasonal_naive_scale(insample, season_length)
    if scale == 0.0:
        return float("nan")
    return mae(actual, forecast) / scale


def coverage(actual: Array, lower: Array, upper: Array) -> float:
    """Share of actual values inside [lower, upper], of those with an interval (a series with one
    observed value has none: its bounds are NaN); NaN when none has."""
    a, lo = _pair(actual, lower)
    _, hi = _pair(actual, upper)
    bounded = ~(np.isnan(lo) | np.isnan(hi))
    if not bounded.any():
        return math.nan
    return float(np.mean((a[bounded] >= lo[bounded]) & (a[bounded] <= hi[bounded])))


def panel_metrics(
    actual: Array,
    point: Array,
    insample: Sequence[Array],
    season_length: int,
    lower: Array | None = None,
    upper: Array | None = None,
) -> dict[str, float]:
    """Per-series metrics averaged over series (rows of ``actual``); MASE skips NaN scales."""
    a, f = _pair(actual, point)
    scores: dict[str, list[float]] = {"mae": [], "rmse": [], "smape": [], "mase": []}
    for i in range(a.shape[0]):
        scores["mae"].append(mae(a[i], f[i]))
        scores["rmse"].append(rmse(a[i], f[i]))
        scores["smape"].append(smape(a[i], f[i]))
        scores["mase"].append(mase(a[i], f[i], insample[i], season_length))
    # MASE is NaN for a constant series (no scale); all NaN averages to NaN, without a warning.
    out = {k: float(np.nanmean(v)) if not np.isnan(v).all() else math.nan for k, v in scores.items()}
    if lower is not None and upper is not None:
        out["coverage"] = coverage(a, lower, upper)
    return out
