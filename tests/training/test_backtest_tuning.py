from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from training import Forecaster, TrainingCancelled, TrainingError, tuning
from training.backtest import holdout_evaluation, rolling_origin
from training.panel import Panel
from training.registry import MODEL_TYPES, create_forecaster
from training.tuning import bounded_space, tune

from .conftest import FAST


def test_rolling_origin_scores_each_fold_on_its_own_horizon(air: Panel) -> None:
    result = rolling_origin(lambda: create_forecaster("SEASONAL_NAIVE"), air, 12, folds=3)
    assert len(result.folds) == 3
    last = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), air, 12).metrics
    assert result.folds[-1]["mase"] == pytest.approx(last["mase"])
    assert result.folds[0]["mase"] != pytest.approx(last["mase"])
    assert result.mean["mase"] == pytest.approx(sum(f["mase"] for f in result.folds) / 3)


def with_short_series(air: Panel, length: int) -> Panel:
    """AirPassengers and a second series of ``length`` months ending with it."""
    stamps = air.timestamps(0)[-length:]
    short = pd.DataFrame({"series_id": "short", "timestamp": stamps, "value": air.values[0][-length:] / 2})
    return Panel.from_long(pd.concat([air.to_long(), short], ignore_index=True))


def test_a_series_with_one_value_before_its_held_out_horizon_has_no_mase(air: Panel) -> None:
    panel = with_short_series(air, 13)
    metrics = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), panel, 12).metrics
    alone = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), air, 12).metrics
    assert metrics["mase"] == pytest.approx(alone["mase"])
    assert tune("SEASONAL_NAIVE", panel, 12, n_trials=1).trials == 1


def test_rolling_origin_leaves_out_series_too_short_for_a_fold(air: Panel) -> None:
    """The short series has 15 values: too few to hold out a horizon at the first origin,
    which drops 24 values, and at the second, which drops 12."""
    result = rolling_origin(
        lambda: create_forecaster("SEASONAL_NAIVE"), with_short_series(air, 15), 12, folds=3
    )
    alone = rolling_origin(lambda: create_forecaster("SEASONAL_NAIVE"), air, 12, folds=3)
    assert result.folds[0]["mase"] == pytest.approx(alone.folds[0]["mase"])
    assert result.folds[1]["mase"] == pytest.approx(alone.folds[1]["mase"])
    assert result.folds[2]["mase"] != pytest.approx(alone.folds[2]["mase"])


def test_optuna_searches_the_declared_space(air: Panel) -> None:
    train, _ = air.split(12)
    space = {name: MODEL_TYPES["LSTM"].spec(name) for name in ("learning_rate", "hidden_size")}
    result = tune("LSTM", train, 12, n_trials=3, space=space, fixed={**FAST, "max_epochs": 2})
    assert result.trials == 3
    assert 1e-5 <= result.best_hyperparameters["learning_rate"] <= 1e-1
    assert result.best_hyperparameters["max_epochs"] == 2  # fixed values are kept
    assert result.best_score > 0


def recording_forecasters(
    monkeypatch: pytest.MonkeyPatch, fail: Callable[[int], bool]
) -> list[dict[str, Any]]:
    """The hyperparameters of every forecaster the search makes; those ``fail(n)`` picks raise
    the TrainingError of data a trial cannot train on."""
    made: list[dict[str, Any]] = []
    real = tuning.create_forecaster

    def create(model_type: str, hyperparameters: dict[str, Any] | None = None) -> Forecaster:
        made.append(dict(hyperparameters or {}))
        if fail(len(made)):
            raise TrainingError(f"no training window (trial {len(made)})")
        return real(model_type, hyperparameters)

    monkeypatch.setattr(tuning, "create_forecaster", create)
    return made


def test_the_searched_ranges_are_bounded_by_the_data(air: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """season_length was sampled up to 8760 and lookback up to 2048 on 120 points."""
    made = recording_forecasters(monkeypatch, lambda n: False)
    train, _ = air.split(12)  # a trial fits 120 of these 132 points
    tune("SEASONAL_NAIVE", train, 12, n_trials=12)
    assert len(made) == 12 and all(0 <= m["season_length"] <= 60 for m in made), made
    made.clear()
    space = {"lookback": MODEL_TYPES["LSTM"].spec("lookback")}
    tune("LSTM", train, 12, n_trials=3, space=space, fixed={**FAST, "max_epochs": 1})
    assert len(made) == 3 and all(0 <= m["lookback"] <= 120 for m in made), made


def test_a_trial_the_data_cannot_train_is_skipped(air: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    made = recording_forecasters(monkeypatch, lambda n: n == 1)
    result = tune("SEASONAL_NAIVE", air, 12, n_trials=4)
    assert len(made) == 4 and result.trials == 4 and result.best_score > 0


def test_a_search_with_no_scorable_trial_says_why(air: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    recording_forecasters(monkeypatch, lambda n: True)
    with pytest.raises(TrainingError, match=r"no search trial could be scored \(3 tried\).*trial 3"):
        tune("SEASONAL_NAIVE", air, 12, n_trials=3)


def test_constant_series_are_ranked_by_their_absolute_error() -> None:
    """MASE has no scale on a constant series: every trial failed, 'No trials are completed yet.'"""
    stamps = pd.date_range("2000-01-01", periods=60, freq="MS")
    frame = pd.DataFrame(
        {
            "series_id": ["a"] * 60 + ["b"] * 60,
            "timestamp": [*stamps, *stamps],
            "value": [5.0] * 60 + [7.0] * 60,
        }
    )
    result = tune("AUTO_ETS", Panel.from_long(frame), 12, n_trials=3)
    assert result.trials == 3 and result.best_score == pytest.approx(0.0, abs=1e-6)


def test_the_first_trial_runs_whatever_the_timeout(air: Panel) -> None:
    result = tune("SEASONAL_NAIVE", air, 12, n_trials=5, timeout=1e-9)
    assert result.trials == 1


def test_a_cancelled_search_stops_inside_its_trial(air: Panel) -> None:
    """The trial's own fit polls the cancellation: a cancelled job's worker does not train on
    for the rest of a trial (or the whole search, with one long trial)."""
    polls = itertools.count()
    train, _ = air.split(12)
    space = {"learning_rate": MODEL_TYPES["LSTM"].spec("learning_rate")}
    fixed = {**FAST, "max_epochs": 400, "patience": 200}
    started = time.monotonic()
    with pytest.raises(TrainingCancelled):
        tune("LSTM", train, 12, n_trials=2, space=space, fixed=fixed, should_cancel=lambda: next(polls) >= 3)
    assert time.monotonic() - started < 30


def test_the_seasonal_anchor_is_searched_only_where_there_is_a_season(air: Panel) -> None:
    space = {"anchor_season": MODEL_TYPES["LSTM"].spec("anchor_season")}
    assert bounded_space(space, air, 12) == space
    stamps = pd.date_range("1960-01-01", periods=40, freq="YS")
    yearly = Panel.from_long(pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": np.arange(40.0)}))
    assert yearly.frequency.season_length == 1
    assert bounded_space(space, yearly, 6) == {}
    # With nothing left to vary, every trial would train the same model: one does.
    assert tune("LSTM", yearly, 6, n_trials=3, space=space, fixed={**FAST, "max_epochs": 1}).trials == 1


def test_the_level_input_is_searched_as_true_or_false(air: Panel) -> None:
    spec = MODEL_TYPES["TFT"].spec("level_input")
    assert spec.choices == ("auto", "true", "false")
    assert bounded_space({"level_input": spec}, air, 12)["level_input"].choices == ("true", "false")
