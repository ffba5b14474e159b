"""Evaluation on a held-out final horizon and rolling-origin backtests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from training.metrics import panel_metrics
from training.models.base import Forecaster
from training.panel import Panel
from training.progress import CancelCheck

COVERAGE_LEVELS = (0.1, 0.5, 0.9)  # the 80% central interval and the median


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    fit_seconds: float
    predict_seconds: float


def holdout_evaluation(
    model: Forecaster, panel: Panel, horizon: int, should_cancel: CancelCheck | None = None
) -> Evaluation:
    """Fit on all but the final ``horizon`` points of each series, score on those points
    (``should_cancel`` is handed to the fit, which stops with TrainingCancelled).

    MASE uses each series' in-sample seasonal-naive scale; coverage is that of the
    central 80% interval (10% and 90% quantiles).
    """
    train, actual = panel.split(horizon)
    started = time.perf_counter()
    model.fit(train, horizon, should_cancel=should_cancel)
    fitted = time.perf_counter()
    forecast = model.predict(train, horizon, COVERAGE_LEVELS)
    done = time.perf_counter()
    metrics = panel_metrics(
        actual,
        forecast.point,
        train.values,
        panel.frequency.season_length,
        forecast.quantiles[..., 0],
        forecast.quantiles[..., 2],
    )
    return Evaluation(metrics, fitted - started, done - fitted)


@dataclass(frozen=True)
class BacktestResult:
    folds: list[dict[str, float]] = field(default_factory=list)

    @property
    def mean(self) -> dict[str, float]:
        keys = self.folds[0].keys() if self.folds else ()
        return {k: float(np.mean([f[k] for f in self.folds])) for k in keys}


def truncate(panel: Panel, drop: int, horizon: int = 1) -> Panel:
    """Every series without its last ``drop`` points; series left with ``horizon`` points or
    fewer, too few to hold out a horizon, are left out."""
    if drop == 0:
        return panel
    kept = panel.select(drop + horizon + 1)
    return Panel(kept.series_ids, tuple(v[:-drop] for v in kept.values), kept.starts, kept.frequency)


def rolling_origin(
    make_model: Callable[[], Forecaster],
    panel: Panel,
    horizon: int,
    folds: int = 3,
    step: int | None = None,
    should_cancel: CancelCheck | None = None,
) -> BacktestResult:
    """Refit a fresh model at ``folds`` origins ``step`` periods apart (default: the horizon),
    the last origin leaving exactly ``horizon`` points, and score each held-out horizon.
    """
    step = step or horizon
    result = BacktestResult()
    for fold in range(folds):
        data = truncate(panel, step * (folds - 1 - fold), horizon)
        evaluation = holdout_evaluation(make_model(), data, horizon, should_cancel)
        result.folds.append({**evaluation.metrics, "fit_seconds": evaluation.fit_seconds})
    return result
