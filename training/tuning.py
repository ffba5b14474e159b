"""Hyperparameter search with Optuna over the space the registry declares.

Every tunable hyperparameter with a range (or choices) is searched; the objective is the
mean MASE of a held-out final horizon (or a rolling-origin backtest with ``folds`` > 1), or
the mean absolute error where the data gives MASE no scale (every series constant).

The space is bounded by the data first (:func:`bounded_space`): a ``season_length`` longer
than half the longest series, or a ``lookback`` longer than the whole of it, would only
spend trials on models that cannot see a second season or look at padding, and the seasonal
anchor of yearly data would repeat the last value. A trial that the data cannot train (no
training window, say) is recorded as failed and the search goes on; the search fails, with
the last trial's reason, only when no trial could be scored.
The first trial always runs: ``timeout`` stops the search from starting further ones.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import optuna

from training.backtest import holdout_evaluation, rolling_origin
from training.errors import TrainingCancelled, TrainingError
from training.panel import Panel
from training.progress import CancelCheck
from training.registry import MODEL_TYPES, HyperparameterSpec, create_forecaster, validate_hyperparameters


@dataclass(frozen=True)
class TuningResult:
    best_hyperparameters: dict[str, Any]
    best_score: float
    trials: int


class _Unscorable(Exception):
    """A trial the data could not train or score; the search goes on without it."""


def suggest(trial: optuna.Trial, spec: HyperparameterSpec) -> Any:
    if spec.kind == "categorical":
        return trial.suggest_categorical(spec.name, list(spec.choices))
    if spec.kind == "bool":
        return trial.suggest_categorical(spec.name, [True, False])
    assert spec.min is not None and spec.max is not None
    if spec.kind == "int":
        low = max(int(spec.min), 1) if spec.log_scale else int(spec.min)
        return trial.suggest_int(spec.name, low, max(int(spec.max), low), log=spec.log_scale)
    low_f = max(spec.min, 1e-12) if spec.log_scale else spec.min
    return trial.suggest_float(spec.name, low_f, spec.max, log=spec.log_scale)


def bounded_space(
    space: dict[str, HyperparameterSpec], panel: Panel, horizon: int, folds: int = 1
) -> dict[str, HyperparameterSpec]:
    """``space`` with the ranges the data can use: ``season_length`` at most half, and
    ``lookback`` at most the whole, of the longest series a trial trains on; without
    ``anchor_season`` where the frequency has no season to anchor on; ``level_input`` as
    true or false only, since "auto" is always one of them."""
    longest = max(int(panel.lengths.max(initial=0)) - horizon * folds, 1)
    caps = {"season_length": longest // 2, "lookback": longest}
    bounded = {}
    for name, spec in space.items():
        if name == "anchor_season" and not panel.frequency.seasonal:
            continue
        if name == "level_input":
            spec = replace(spec, choices=("true", "false"))
        cap = caps.get(name)
        if cap is not None and spec.max is not None and spec.min is not None and cap < spec.max:
            spec = replace(spec, max=max(float(cap), spec.min))
        bounded[name] = spec
    return bounded


def score(metrics: dict[str, float]) -> float:
    """MASE; the mean absolute error when no series has a MASE scale (constant in-sample)."""
    value = metrics["mase"]
    return value if math.isfinite(value) else metrics["mae"]


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
    on_trial: Callable[[int, int, float | None], None] | None = None,
    should_cancel: CancelCheck | None = None,
) -> TuningResult:
    """Search ``space`` (default: every tunable spec of ``model_type``) with TPE.

    ``fixed`` hyperparameters are held constant (e.g. fewer epochs while searching).
    The search stops after ``n_trials`` (one when the data leaves nothing to vary), after
    ``timeout`` seconds (at least one trial runs), or when ``should_cancel`` says so
    (within a trial too: TrainingCancelled);
    ``on_trial(done, n_trials, best_score)`` follows it. TrainingError when no trial
    could be scored.
    """
    declared = {hp.name: hp for hp in MODEL_TYPES[model_type].hyperparameters if hp.tunable}
    search = bounded_space(space if space is not None else declared, panel, horizon, folds)
    base = validate_hyperparameters(model_type, fixed)
    if not search:  # the data left nothing to vary (the seasonal anchor of yearly data)
        n_trials = 1
    reasons: list[str] = []

    def objective(trial: optuna.Trial) -> float:
        chosen = {**base, **{name: suggest(trial, spec) for name, spec in search.items()}}
        try:
            if folds > 1:
                make = lambda: create_forecaster(model_type, chosen)  # noqa: E731
                metrics = rolling_origin(make, panel, horizon, folds, should_cancel=should_cancel).mean
            else:
                model = create_forecaster(model_type, chosen)
                metrics = holdout_evaluation(model, panel, horizon, should_cancel=should_cancel).metrics
        except TrainingCancelled:
            raise
        except TrainingError as exc:
            reasons.append(str(exc))
            raise _Unscorable(str(exc)) from exc
        value = score(metrics)
        if not math.isfinite(value):
            reasons.append("the trial's forecasts could not be scored")
            raise _Unscorable(reasons[-1])
        return value

    optuna.logging.set_verbosity(logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))

    def best(study: optuna.Study) -> float | None:
        complete = [t for t in study.trials if t.state is optuna.trial.TrialState.COMPLETE]
        return float(study.best_value) if complete else None

    def after_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if on_trial is not None:
            on_trial(len(study.trials), n_trials, best(study))
        if should_cancel is not None and should_cancel():
            study.stop()

    started = time.monotonic()
    study.optimize(objective, n_trials=1, catch=(_Unscorable,), callbacks=[after_trial])
    left = None if timeout is None else timeout - (time.monotonic() - started)
    cancelled = should_cancel is not None and should_cancel()
    if n_trials > 1 and not cancelled and (left is None or left > 0):
        study.optimize(
            objective, n_trials=n_trials - 1, timeout=left, catch=(_Unscorable,), callbacks=[after_trial]
        )
    if best(study) is None:
        raise TrainingError(
            f"no search trial could be scored ({len(study.trials)} tried); the last: {reasons[-1]}"
            if reasons
            else "no search trial could be scored"
        )
    best_hyperparameters = validate_hyperparameters(model_type, {**(fixed or {}), **study.best_params})
    return TuningResult(best_hyperparameters, float(study.best_value), len(study.trials))
