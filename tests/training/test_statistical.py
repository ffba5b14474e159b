from __future__ import annotations

import numpy as np
import pytest

from training.backtest import holdout_evaluation
from training.panel import Panel
from training.registry import create_forecaster


def test_seasonal_naive_repeats_the_last_season(air: Panel) -> None:
    model = create_forecaster("SEASONAL_NAIVE")
    train, _ = air.split(12)
    model.fit(train, 12)
    forecast = model.predict(train, 24, (0.1, 0.5, 0.9))
    last = train.values[0][-12:]
    np.testing.assert_allclose(forecast.point[0], np.tile(last, 2), rtol=1e-6)
    assert np.all(forecast.quantiles[..., 0] < forecast.quantiles[..., 2])


def test_reference_figures_on_airpassengers(air: Panel) -> None:
    """The published statsforecast reference MASE for these series, reproduced."""
    naive = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), air, 12).metrics
    assert naive["mase"] == pytest.approx(1.571, abs=1e-3)
    assert naive["coverage"] == pytest.approx(0.25)
    arima = holdout_evaluation(create_forecaster("AUTO_ARIMA"), air, 12).metrics
    assert arima["mase"] == pytest.approx(0.608, abs=2e-3)


def test_auto_ets_quantiles_are_ordered_around_the_point(fertility: Panel) -> None:
    model = create_forecaster("AUTO_ETS")
    model.fit(fertility, 6)
    values, lengths = fertility.packed()
    point, q = model.predict_packed(
        values[: lengths[:5].sum()], lengths[:5], 6, (0.05, 0.25, 0.5, 0.75, 0.95)
    )
    assert point.shape == (5, 6) and q.shape == (5, 6, 5)
    assert np.all(np.diff(q, axis=-1) >= -1e-5)
    np.testing.assert_array_equal(q[..., 2], point)
