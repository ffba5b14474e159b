from __future__ import annotations

import numpy as np
import pytest
import torch

from training.errors import InvalidRequestError
from training.metrics import coverage, mae, mase, panel_metrics, rmse, seasonal_naive_scale, smape
from training.quantiles import check_interpolation, interpolate_quantiles, pinball_loss, pinball_numpy


def test_point_metrics_by_hand() -> None:
    actual = np.array([1.0, 2.0, 4.0])
    forecast = np.array([2.0, 2.0, 1.0])
    assert mae(actual, forecast) == pytest.approx(4 / 3)
    assert rmse(actual, forecast) == pytest.approx(np.sqrt(10 / 3))
    # 200 * mean(|a-f| / (|a|+|f|)) = 200/3 * (1/3 + 0 + 3/5)
    assert smape(actual, forecast) == pytest.approx(200 / 3 * (1 / 3 + 3 / 5))
    assert smape(np.zeros(2), np.zeros(2)) == 0.0


def test_mase_uses_the_in_sample_seasonal_naive_scale() -> None:
    insample = np.array([1.0, 5.0, 2.0, 6.0, 4.0, 9.0])  # season 2: |2-1|,|6-5|,|4-2|,|9-6| -> 7/4
    assert seasonal_naive_scale(insample, 2) == pytest.approx(7 / 4)
    assert mase(np.array([10.0, 10.0]), np.array([9.0, 12.0]), insample, 2) == pytest.approx(1.5 / (7 / 4))
    # Too short for the season: falls back to the naive (lag 1) scale.
    assert seasonal_naive_scale(np.array([1.0, 3.0, 4.0]), 12) == pytest.approx(1.5)


def test_coverage_and_panel_average() -> None:
    actual = np.array([[1.0, 2.0, 3.0, 4.0]])
    assert coverage(actual, actual - 1, actual + 1) == 1.0
    assert coverage(actual, actual + 0.5, actual + 1) == 0.0
    result = panel_metrics(
        np.array([[1.0, 1.0], [2.0, 2.0]]),
        np.array([[2.0, 2.0], [2.0, 2.0]]),
        [np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0, 4.0])],
        1,
        np.zeros((2, 2)),
        np.full((2, 2), 1.5),
    )
    assert result["mae"] == pytest.approx(0.5)
    assert result["mase"] == pytest.approx((1.0 / 1.0 + 0.0 / 2.0) / 2)
    assert result["coverage"] == pytest.approx(0.5)


def test_points_without_an_interval_are_left_out_of_the_coverage() -> None:
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    lower = np.array([[0.0, 0.0], [np.nan, np.nan]])
    assert coverage(actual, lower, lower + 3) == 1.0
    assert np.isnan(coverage(actual[1:], lower[1:], lower[1:] + 3))


def test_pinball_loss_values() -> None:
    pred = torch.tensor([[1.0, 2.0, 3.0]])
    target = torch.tensor([2.5])
    q = torch.tensor([0.1, 0.5, 0.9])
    # 0.1*1.5, 0.5*0.5, (0.9-1)*(-0.5) -> 0.15, 0.25, 0.05
    assert float(pinball_loss(pred, target, q)) == pytest.approx((0.15 + 0.25 + 0.05) / 3)
    assert pinball_numpy(np.array([3.0]), np.array([1.0]), 0.9) == pytest.approx(0.2)
    assert pinball_numpy(np.array([0.0]), np.array([1.0]), 0.9) == pytest.approx(0.9)


def test_quantile_interpolation_and_range() -> None:
    trained = (0.1, 0.5, 0.9)
    values = np.array([[10.0, 20.0, 40.0]])
    out = interpolate_quantiles(values, trained, (0.1, 0.3, 0.5, 0.7, 0.9))
    np.testing.assert_allclose(out, [[10.0, 15.0, 20.0, 30.0, 40.0]])
    with pytest.raises(InvalidRequestError, match="outside the trained range"):
        interpolate_quantiles(values, trained, (0.05,))
    with pytest.raises(ValueError, match="between 0 and 1"):
        interpolate_quantiles(values, trained, (1.0,))


def test_repeated_interpolation_answers_alike_and_checks_levels_first() -> None:
    trained = (0.1, 0.5, 0.9)
    first = interpolate_quantiles(np.array([[10.0, 20.0, 40.0]]), trained, (0.3, 0.5))
    again = interpolate_quantiles(np.array([[[0.0, 1.0, 3.0]], [[2.0, 2.0, 2.0]]]), list(trained), [0.3, 0.5])
    np.testing.assert_allclose(first, [[15.0, 20.0]])
    np.testing.assert_allclose(again, [[[0.5, 1.0]], [[2.0, 2.0]]])
    check_interpolation(trained, (0.2, 0.9))
    with pytest.raises(InvalidRequestError, match="outside the trained range"):
        check_interpolation(trained, (0.95,))
    with pytest.raises(ValueError, match="between 0 and 1"):
        check_interpolation(trained, (float("nan"),))
