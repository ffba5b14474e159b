"""Hyperparameter search with Optuna over the space the registry declares.

Every tunable hyperparameter with a range (or choices) is searched; the objective is the
mean MASE of a held-out final horizon (or a rolling-origin backtest with ``folds`` > 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna

from training.backtest import holdout_evaluation, rolling_origin
from training.panel import Panel
from training.registry import MODEL_TYPES, HyperparameterSpec, create_forecaster, validate_hyperparameters


@dataclass(frozen=True)
class TuningResult:
    best_hyperparameters: dict[str, Any]
    best_score: float
    trials: int


def suggest(trial: optuna.Trial, spec: HyperparameterSpec) -> Any:
    if spec.kind == "categorical":
        return trial.suggest_categorical(spec.name, list(spec.choices))
    if spec.kind == "bool":
        return trial.suggest_categorical(spec.name, [True, False])
    assert spec.min is not None and spec.max is not None
    if spec.kind == "int":
        low = max(int(spec.min), 1) if spec.log_scale else int(spec.min)
        return trial.suggest_int(spec.name, low, int(spec.max), log=spec.log_scale)
    low_f = max(spec.min, 1e-12) if spec.log_scale else spec.min
    return trial.suggest_float(spec.name, low_f, spec.max, log=spec.log_scale)


def tune(
    model_type: str,
    panel: Panel,
    horizon: int,
    n_trials: int = 20,
    space: dict[str, HyperparameterSpec] | None = None,
    fixed: dict[str, Any] | None = None,
    folds: int = 1,
    seed: int = 0,
    timeout: float | None = None,
    on_trial: Callable[[int, int, float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> TuningResult:
    """Search ``space`` (default: every tunable spec of ``model_type``) with TPE.

    ``fixed`` hyperparameters are held constant (e.g. fewer epochs while searching).
    The search stops after ``n_trials``, after ``timeout`` seconds, or when
    ``should_cancel`` says so; ``on_trial(done, n_trials, best_score)`` follows it.
    """
    declared = {hp.name: hp for hp in MODEL_TYPES[model_type].hyperparameters if hp.tunable}
    search = space if space is not None else declared
    base = validate_hyperparameters(model_type, fixed)

    def objective(trial: optuna.Trial) -> float:
        chosen = {**base, **{name: suggest(trial, spec) for name, spec in search.items()}}
        if folds > 1:
            return rolling_origin(lambda: create_forecaster(model_type, chosen), panel, horizon, folds).mean[
                "mase"
            ]
        return holdout_evaluation(create_forecaster(model_type, chosen), panel, horizon).metrics["mase"]

    optuna.logging.set_verbosity(logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))

    def after_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if on_trial is not None:
            on_trial(len(study.trials), n_trials, float(study.best_value))
        if should_cancel is not None and should_cancel():
            study.stop()

    study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=[after_trial])
    best = validate_hyperparameters(model_type, {**(fixed or {}), **study.best_params})
    return TuningResult(best, float(study.best_value), len(study.trials))
