"""Scoring a forecaster on the last windows of a panel, each forecast from the data before it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from training import Forecaster, Panel
from training.metrics import panel_metrics

INTERVAL_LEVELS = (0.1, 0.5, 0.9)  # the central 80% interval and the median
METRIC_NAMES = ("mae", "rmse", "smape", "mase", "coverage_80")


def head(panel: Panel, drop: int) -> Panel:
    """Every series without its last ``drop`` points."""
    if drop == 0:
        return panel
    return Panel(panel.series_ids, tuple(v[:-drop] for v in panel.values), panel.starts, panel.frequency)


def evaluate(model: Forecaster, panel: Panel, horizon: int, windows: int = 1) -> dict[str, Any]:
    """Metrics averaged over the last ``windows`` horizon-long windows of every series.

    Each window is forecast from the step before it with only the data before it.
    Returns mae, rmse, smape, mase, coverage_80 (of the 10%-90% interval) and points.
    """
    folds: list[dict[str, float]] = []
    points = 0
    for window in range(windows, 0, -1):
        drop = window * horizon
        history = head(panel, drop)
        actual = np.stack([v[v.size - drop : v.size - drop + horizon] for v in panel.values])
        forecast = model.predict(history, horizon, INTERVAL_LEVELS)
        scores = panel_metrics(
            actual,
            forecast.point,
            history.values,
            panel.frequency.season_length,
            forecast.quantiles[..., 0],
            forecast.quantiles[..., 2],
        )
        scores["coverage_80"] = scores.pop("coverage", float("nan"))
        folds.append(scores)
        points += int(np.isfinite(actual).sum())
    metrics: dict[str, Any] = {name: _finite_mean([fold[name] for fold in folds]) for name in METRIC_NAMES}
    metrics["points"] = points
    return metrics


def _finite_mean(values: list[float]) -> float | None:
    kept = [v for v in values if np.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def to_datetime(value: np.datetime64) -> datetime:
    seconds = value.astype("datetime64[s]").astype(np.int64)
    return datetime.fromtimestamp(int(seconds), UTC)


def window_range(panel: Panel, drop: int) -> tuple[datetime, datetime]:
    """[first held-out timestamp, end of the last period) of the last ``drop`` points of every series."""
    firsts = [panel.timestamps(i)[panel.values[i].size - drop] for i in range(len(panel))]
    end = panel.frequency.shift(panel.last_timestamps.max(keepdims=True), np.array([1]))[0]
    return to_datetime(min(firsts)), to_datetime(end)


def data_range(panel: Panel, drop: int) -> tuple[datetime, datetime]:
    """[first timestamp, first held-out timestamp) of the fitted part of the panel."""
    starts = to_datetime(panel.starts.min())
    lasts = [panel.timestamps(i)[panel.values[i].size - drop - 1] for i in range(len(panel))]
    end = panel.frequency.shift(np.array([max(lasts)]), np.array([1]))[0]
    return starts, to_datetime(end)
