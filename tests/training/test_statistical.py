from __future__ import annotations

import numpy as np
import pytest

from training.backtest import holdout_evaluation
from training.errors import InvalidDataError
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


@pytest.mark.parametrize("model_type", ["SEASONAL_NAIVE", "AUTO_ETS", "AUTO_ARIMA"])
def test_series_too_short_for_the_model_get_the_naive_forecast(air: Panel, model_type: str) -> None:
    """Served beside a long series: a series shorter than a season (SeasonalNaive gives NaN
    there) or than AutoETS's parameters (it raises) is forecast naively, the long one as alone."""
    model = create_forecaster(model_type)
    model.fit(air, 12)
    long = air.values[0].astype(np.float32)
    short = np.array([112.0, 118.0, 132.0, 129.0], dtype=np.float32)
    alone, alone_q = model.predict_packed(long, np.array([long.size], np.int32), 6, (0.1, 0.5, 0.9))
    point, q = model.predict_packed(
        np.concatenate([short, long]), np.array([short.size, long.size], np.int32), 6, (0.1, 0.5, 0.9)
    )
    np.testing.assert_allclose(point[1], alone[0], rtol=1e-6)
    np.testing.assert_allclose(q[1], alone_q[0], rtol=1e-6)
    assert np.isfinite(point[0]).all() and np.isfinite(q[0]).all()
    if model_type != "AUTO_ARIMA":  # AutoARIMA fits four points itself
        np.testing.assert_allclose(point[0], np.full(6, 129.0))
    assert np.all(q[0, :, 0] < point[0]) and np.all(point[0] < q[0, :, 2])


@pytest.mark.parametrize("model_type", ["SEASONAL_NAIVE", "AUTO_ETS"])
def test_no_quantile_levels_give_the_point_forecast_alone(air: Panel, model_type: str) -> None:
    """As for the deep models: the quantiles are (n, horizon, 0)."""
    model = create_forecaster(model_type)
    model.fit(air, 12)
    point, q = model.predict_packed(*air.packed(), 6, ())
    median, _ = model.predict_packed(*air.packed(), 6, (0.5,))
    assert q.shape == (1, 6, 0)
    np.testing.assert_array_equal(point, median)


@pytest.mark.parametrize("model_type", ["SEASONAL_NAIVE", "AUTO_ETS", "AUTO_ARIMA"])
def test_one_observed_value_gives_a_point_and_no_interval(air: Panel, model_type: str) -> None:
    model = create_forecaster(model_type)
    model.fit(air, 12)
    values = np.array([np.nan, 140.0, np.nan], dtype=np.float32)
    point, q = model.predict_packed(values, np.array([3], np.int32), 4, (0.1, 0.5, 0.9))
    np.testing.assert_allclose(point[0], np.full(4, 140.0))
    np.testing.assert_array_equal(q[0, :, 1], point[0])
    assert np.isnan(q[0, :, [0, 2]]).all()


@pytest.mark.parametrize("model_type", ["AUTO_ETS", "AUTO_ARIMA"])
def test_a_long_history_is_fitted_on_its_latest_values(air: Panel, model_type: str) -> None:
    """A 100,000-value history costs what its latest max_history values do (minutes otherwise)
    and forecasts as they do; a shorter series beside it is fitted in full."""
    model = create_forecaster(model_type, {"max_history": 120})
    model.fit(air, 12)
    season = air.values[0].astype(np.float32)[-24:]
    long = np.tile(season, 100_000 // season.size + 1)[-100_000:]
    short = air.values[0].astype(np.float32)[:100]
    levels = (0.1, 0.5, 0.9)
    point, q = model.predict_packed(
        np.concatenate([long, short]), np.array([long.size, short.size], np.int32), 6, levels
    )
    tail, tail_q = model.predict_packed(long[-120:], np.array([120], np.int32), 6, levels)
    whole, whole_q = model.predict_packed(short, np.array([short.size], np.int32), 6, levels)
    np.testing.assert_allclose(point, np.concatenate([tail, whole]), rtol=1e-5)
    np.testing.assert_allclose(q, np.concatenate([tail_q, whole_q]), rtol=1e-5)


@pytest.mark.parametrize("model_type", ["AUTO_ETS", "AUTO_ARIMA"])
def test_a_missing_tail_longer_than_max_history_is_named(air: Panel, model_type: str) -> None:
    """The series has observed values, only none among the latest it is fitted on: the error
    said it had none at all."""
    model = create_forecaster(model_type, {"max_history": 30})
    model.fit(air, 12)
    history = np.concatenate([air.values[0], np.full(40, np.nan)]).astype(np.float32)
    values = np.concatenate([air.values[0], history]).astype(np.float32)
    lengths = np.array([air.values[0].size, history.size], np.int32)
    with pytest.raises(InvalidDataError, match="series 1 has no observed value among its latest 30"):
        model.predict_packed(values, lengths, 6, (0.1, 0.9))
    with pytest.raises(InvalidDataError, match=r"^a series has no observed value$"):
        model.predict_packed(np.full(3, np.nan, np.float32), np.array([3], np.int32), 6, ())
