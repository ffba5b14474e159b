"""Split-conformal calibration of the deep models' prediction intervals, per horizon step.

Quantile regression learns interval widths from training windows, where the network fits
better than it forecasts; out of sample they can be too narrow (more so at later steps)
or too wide. On the held-out validation windows each actual value ``y`` tells how far the central
interval around the median ``m`` must stretch to contain it::

    r = (y - m) / (upper - m)   if y > m,   else   (m - y) / (m - lower)

The split-conformal scale for coverage ``c`` is the ``ceil((n + 1) c) / n`` empirical
quantile of the ``n`` scores: every quantile's distance from the median multiplied by it
gives the central interval coverage of at least ``c`` on exchangeable data. It is computed
for each step when there are enough windows, else pooled over steps. A panel has a validation
window per series; a single series has rolling validation origins (windowing.validation_holdout),
since with one window its ``horizon`` scores make the corrected level (11 of 12 for h = 12)
far above ``c``.

The networks scored there are not the ones that serve when the model is refitted: the refit
trains fresh networks on every window for the best epoch count, and their intervals differ,
mostly sharper (on the fertility panel's final horizon the scored networks' 80% intervals
were 9-31% wider than the refitted ones'). So the factors are carried over by
:func:`width_ratios`: per step, how much wider the scored networks' central interval is than
the refitted ones' on the same forecast windows, which neither saw a target of.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

COVERAGE = 0.8
MIN_WINDOWS_PER_STEP = 30


def conformal_level(n: int, coverage: float) -> float:
    """The finite-sample corrected quantile level for ``n`` calibration scores."""
    return min(1.0, math.ceil((n + 1) * coverage) / n)


def central_levels(levels: tuple[float, ...], coverage: float) -> tuple[int, int]:
    """Indices in ``levels`` of the bounds of the central ``coverage`` interval."""
    return levels.index(round((1 - coverage) / 2, 6)), levels.index(round((1 + coverage) / 2, 6))


def interval_scores(outputs: F64, target: F64, levels: tuple[float, ...], coverage: float) -> F64:
    """Scores ``r`` (windows, steps) of ``target`` against quantile ``outputs`` (windows, steps, Q)."""
    low, high = central_levels(levels, coverage)
    median = outputs[..., levels.index(0.5)]
    above = (target - median) / np.maximum(outputs[..., high] - median, 1e-9)
    below = (median - target) / np.maximum(median - outputs[..., low], 1e-9)
    return np.where(target > median, above, below)


def step_scales(outputs: F64, target: F64, levels: tuple[float, ...], coverage: float = COVERAGE) -> F64:
    """One factor per horizon step for the distances of the quantiles from the median."""
    scores = interval_scores(outputs, target, levels, coverage)
    steps = scores.shape[1]
    finite = np.isfinite(scores)
    if steps and finite.sum(axis=0).min() >= MIN_WINDOWS_PER_STEP:
        scales = np.array(
            [
                np.quantile(scores[finite[:, s], s], conformal_level(int(finite[:, s].sum()), coverage))
                for s in range(steps)
            ]
        )
    elif finite.any():
        pooled = scores[finite]
        scales = np.full(steps, np.quantile(pooled, conformal_level(pooled.size, coverage)))
    else:
        scales = np.ones(steps)
    result: F64 = scales
    return result


def width_ratios(scored: F64, serving: F64, levels: tuple[float, ...], coverage: float = COVERAGE) -> F64:
    """Per step, the median width of the central ``coverage`` interval of the ``scored``
    outputs (windows, steps, Q) over that of the ``serving`` outputs on the same windows."""
    low, high = central_levels(levels, coverage)
    scored_width = np.median(scored[..., high] - scored[..., low], axis=0)
    serving_width = np.median(serving[..., high] - serving[..., low], axis=0)
    ratios: F64 = np.where(serving_width > 1e-9, scored_width / np.maximum(serving_width, 1e-9), 1.0)
    return ratios
