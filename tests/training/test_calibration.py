"""Conformal interval calibration: reaches the nominal coverage per step, widening or narrowing."""

from __future__ import annotations

import numpy as np

from training.calibration import conformal_level, step_scales, width_ratios
from training.quantiles import TRAINED_QUANTILES

Z = {0.1: -1.2816, 0.5: 0.0, 0.9: 1.2816}


def gaussian_quantiles(windows: int, sigma: np.ndarray) -> np.ndarray:
    """Quantile forecasts (windows, steps, Q) of N(0, sigma[step]) at every trained level."""
    from scipy.stats import norm  # type: ignore[import-untyped]

    z = norm.ppf(np.asarray(TRAINED_QUANTILES))
    return np.broadcast_to(sigma[None, :, None] * z[None, None, :], (windows, sigma.size, z.size)).copy()


def coverage(outputs: np.ndarray, target: np.ndarray, scales: np.ndarray) -> float:
    low, mid, high = (TRAINED_QUANTILES.index(q) for q in (0.1, 0.5, 0.9))
    median = outputs[..., mid]
    lower = median + scales * (outputs[..., low] - median)
    upper = median + scales * (outputs[..., high] - median)
    return float(np.mean((target >= lower) & (target <= upper)))


def test_too_narrow_intervals_are_widened_per_step_to_the_nominal_coverage() -> None:
    rng = np.random.default_rng(0)
    true_sigma = np.array([1.0, 2.0, 3.0, 4.0])
    # The model claims sigma 1 at every step: right at step 1, ever more overconfident later.
    outputs = gaussian_quantiles(400, np.ones(4))
    calibration = rng.normal(0.0, true_sigma, size=(400, 4))
    scales = step_scales(outputs, calibration, TRAINED_QUANTILES)
    np.testing.assert_allclose(scales, true_sigma, rtol=0.2)
    assert coverage(outputs, calibration, np.ones(4)) < 0.5
    fresh = rng.normal(0.0, true_sigma, size=(4000, 4))
    assert 0.76 <= coverage(gaussian_quantiles(4000, np.ones(4)), fresh, scales) <= 0.86


def test_too_wide_intervals_are_narrowed() -> None:
    rng = np.random.default_rng(1)
    outputs = gaussian_quantiles(400, np.full(3, 5.0))
    scales = step_scales(outputs, rng.normal(size=(400, 3)), TRAINED_QUANTILES)
    np.testing.assert_allclose(scales, np.full(3, 0.2), rtol=0.2)


def test_few_windows_pool_the_steps_with_the_finite_sample_correction() -> None:
    rng = np.random.default_rng(2)
    outputs = gaussian_quantiles(1, np.ones(12))
    target = rng.normal(0.0, 3.0, size=(1, 12))
    scales = step_scales(outputs, target, TRAINED_QUANTILES)
    assert np.all(scales == scales[0]) and scales[0] > 1.0
    # With 12 scores the level is 11/12: all but the largest score must be covered.
    assert coverage(outputs, target, scales) >= 11 / 12
    assert conformal_level(12, 0.8) == 11 / 12
    assert conformal_level(3, 0.8) == 1.0


def test_missing_actuals_are_ignored() -> None:
    outputs = gaussian_quantiles(40, np.ones(2))
    target = np.full((40, 2), 0.5)
    target[:5, 1] = np.nan
    scales = step_scales(outputs, target, TRAINED_QUANTILES)
    assert np.all(np.isfinite(scales))


def test_width_ratios_compare_the_central_intervals_per_step() -> None:
    scored = gaussian_quantiles(50, np.array([2.0, 3.0, 1.0]))
    serving = gaussian_quantiles(50, np.array([1.0, 3.0, 2.0]))
    np.testing.assert_allclose(width_ratios(scored, serving, TRAINED_QUANTILES), [2.0, 1.0, 0.5])
    # A serving network with no spread at a step keeps that step's factor.
    flat = gaussian_quantiles(50, np.array([0.0, 1.0, 1.0]))
    np.testing.assert_allclose(width_ratios(scored, flat, TRAINED_QUANTILES), [1.0, 3.0, 1.0])
