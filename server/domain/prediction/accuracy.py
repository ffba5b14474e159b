"""Live accuracy of a prediction against the actual values submitted for its steps."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NAN = float("nan")


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    observed: float
    points: int


@dataclass(frozen=True)
class Accuracy:
    actuals: list[float]
    abs_errors: list[float]
    metrics: dict[str, float]
    intervals: list[Interval] = field(default_factory=list)


def _level_index(levels: list[float], level: float) -> int | None:
    for i, value in enumerate(levels):
        if abs(value - level) < 1e-9:
            return i
    return None


def step_errors(forecast: dict[str, Any], actuals: dict[int, float]) -> tuple[list[float], list[float]]:
    """Per step: the actual (NaN where none) and |actual - point| (NaN where none)."""
    point = forecast.get("point") or []
    values = [actuals.get(step, NAN) for step in range(1, len(point) + 1)]
    errors = [
        abs(a - p) if not math.isnan(a) and p is not None else NAN for a, p in zip(values, point, strict=True)
    ]
    return values, errors


def accuracy(forecast: dict[str, Any], actuals: dict[int, float], scale: float | None) -> Accuracy:
    values, errors = step_errors(forecast, actuals)
    point = np.array([NAN if p is None else p for p in forecast.get("point") or []], dtype=np.float64)
    a = np.array(values, dtype=np.float64)
    mask = ~np.isnan(a) & ~np.isnan(point)
    n = int(mask.sum())
    levels = [float(q) for q in forecast.get("levels") or []]
    rows = np.array(
        [[NAN if v is None else v for v in row] for row in forecast.get("quantiles") or []], dtype=np.float64
    ).reshape(len(point), len(levels))
    metrics = {"mae": NAN, "rmse": NAN, "smape": NAN, "mase": NAN, "coverage_80": NAN, "points": float(n)}
    intervals: list[Interval] = []
    if n:
        err = a[mask] - point[mask]
        metrics["mae"] = float(np.mean(np.abs(err)))
        metrics["rmse"] = float(math.sqrt(np.mean(err**2)))
        denominator = np.abs(a[mask]) + np.abs(point[mask])
        terms = np.where(denominator > 0, 2 * np.abs(err) / np.where(denominator > 0, denominator, 1), 0.0)
        metrics["smape"] = float(100 * np.mean(terms))
        if scale:
            metrics["mase"] = metrics["mae"] / scale
        for lower in sorted((q for q in levels if q < 0.5), reverse=True):
            lo, hi = _level_index(levels, lower), _level_index(levels, 1 - lower)
            if lo is None or hi is None:
                continue
            low, high = rows[mask, lo], rows[mask, hi]
            # A step forecast without an interval (NaN bounds, as for one observed value) has
            # no coverage to count, as in training.metrics.coverage.
            bounded = ~(np.isnan(low) | np.isnan(high))
            inside = (a[mask] >= low) & (a[mask] <= high)
            points = int(bounded.sum())
            observed = float(inside[bounded].mean()) if points else NAN
            intervals.append(Interval(levels[lo], levels[hi], observed, points))
        eighty = next((i for i in intervals if abs(i.lower - 0.1) < 1e-9), None)
        if eighty is not None:
            metrics["coverage_80"] = eighty.observed
    return Accuracy(values, errors, metrics, intervals)


def pooled(parts: list[tuple[dict[str, Any], dict[int, float], float | None]]) -> dict[str, float]:
    """Metrics over every step with an actual, across many predictions."""
    abs_err: list[float] = []
    sq: list[float] = []
    smape_terms: list[float] = []
    scaled: list[float] = []
    covered: list[float] = []
    for forecast, actuals, scale in parts:
        result = accuracy(forecast, actuals, scale)
        point = forecast.get("point") or []
        for step, actual in enumerate(result.actuals, start=1):
            p = point[step - 1]
            if math.isnan(actual) or p is None:
                continue
            e = actual - p
            abs_err.append(abs(e))
            sq.append(e * e)
            d = abs(actual) + abs(p)
            smape_terms.append(2 * abs(e) / d if d > 0 else 0.0)
            if scale:
                scaled.append(abs(e) / scale)
        eighty = next((i for i in result.intervals if abs(i.lower - 0.1) < 1e-9), None)
        if eighty is not None:
            covered.extend([eighty.observed] * eighty.points)
    n = len(abs_err)
    return {
        "mae": float(np.mean(abs_err)) if n else NAN,
        "rmse": float(math.sqrt(np.mean(sq))) if n else NAN,
        "smape": float(100 * np.mean(smape_terms)) if n else NAN,
        "mase": float(np.mean(scaled)) if scaled else NAN,
        "coverage_80": float(np.mean(covered)) if covered else NAN,
        "points": float(n),
    }
