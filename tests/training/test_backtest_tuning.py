from __future__ import annotations

import pytest

from training.backtest import holdout_evaluation, rolling_origin
from training.panel import Panel
from training.registry import MODEL_TYPES, create_forecaster
from training.tuning import tune

from .conftest import FAST


def test_rolling_origin_scores_each_fold_on_its_own_horizon(air: Panel) -> None:
    result = rolling_origin(lambda: create_forecaster("SEASONAL_NAIVE"), air, 12, folds=3)
    assert len(result.folds) == 3
    last = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), air, 12).metrics
    assert result.folds[-1]["mase"] == pytest.approx(last["mase"])
    assert result.folds[0]["mase"] != pytest.approx(last["mase"])
    assert result.mean["mase"] == pytest.approx(sum(f["mase"] for f in result.folds) / 3)


def test_optuna_searches_the_declared_space(air: Panel) -> None:
    train, _ = air.split(12)
    space = {name: MODEL_TYPES["LSTM"].spec(name) for name in ("learning_rate", "hidden_size")}
    result = tune("LSTM", train, 12, n_trials=3, space=space, fixed={**FAST, "max_epochs": 2})
    assert result.trials == 3
    assert 1e-5 <= result.best_hyperparameters["learning_rate"] <= 1e-1
    assert result.best_hyperparameters["max_epochs"] == 2  # fixed values are kept
    assert result.best_score > 0
