"""Model types, their declared hyperparameters, validation, and construction.

The server's ListModelTypes returns :data:`MODEL_TYPES`; CreateModel calls
:func:`validate_hyperparameters` (which raises :class:`InvalidHyperparameterError`
naming the field) and :func:`create_forecaster`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from training.errors import InvalidHyperparameterError
from training.models.base import Forecaster
from training.models.deep import DeepForecaster
from training.models.statistical import MAX_HISTORY, StatisticalForecaster

Kind = Literal["int", "float", "categorical", "bool"]


@dataclass(frozen=True)
class HyperparameterSpec:
    name: str
    kind: Kind
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    log_scale: bool = False
    tunable: bool = True


@dataclass(frozen=True)
class ModelTypeSpec:
    name: str
    display_name: str
    description: str
    deep: bool
    hyperparameters: tuple[HyperparameterSpec, ...]

    def spec(self, name: str) -> HyperparameterSpec:
        for hp in self.hyperparameters:
            if hp.name == name:
                return hp
        raise KeyError(name)


H = HyperparameterSpec
_DEEP_COMMON = (
    H("lookback", "int", 0, "Past points the network sees; 0 picks max(2 x horizon, 3 x season).", 0, 2048),
    H("hidden_size", "int", 32, "Width of the recurrent and dense layers.", 4, 512, log_scale=True),
    H("num_layers", "int", 1, "Stacked LSTM layers.", 1, 4),
    H("dropout", "float", 0.1, "Dropout rate.", 0.0, 0.9),
    H("learning_rate", "float", 3e-3, "AdamW learning rate.", 1e-5, 1e-1, log_scale=True),
    H("weight_decay", "float", 1e-4, "AdamW weight decay.", 0.0, 1e-1),
    H("batch_size", "int", 128, "Windows per optimisation step.", 4, 4096, log_scale=True),
    H("max_epochs", "int", 60, "Upper bound on epochs per ensemble member.", 1, 2000, tunable=False),
    H("patience", "int", 10, "Epochs without validation improvement before stopping.", 1, 200, tunable=False),
    H(
        "ensemble_size",
        "int",
        3,
        "Networks trained with consecutive seeds and averaged.",
        1,
        20,
        tunable=False,
    ),
    H(
        "windows_per_epoch",
        "int",
        0,
        "Random training windows per epoch; 0 uses all of them.",
        0,
        10_000_000,
        tunable=False,
    ),
    H(
        "calibrate_intervals",
        "bool",
        True,
        "Scale intervals per horizon step to conformal 80% coverage on the validation windows.",
        tunable=False,
    ),
    H(
        "refit_full",
        "bool",
        True,
        "After early stopping, retrain on all windows for the best epoch count.",
        tunable=False,
    ),
    H(
        "anchor_last",
        "bool",
        True,
        "Forecast offsets from a learned multiple (starting at 1) of each window's last observed value.",
        tunable=False,
    ),
    H(
        "anchor_season",
        "bool",
        False,
        "With anchor_last, add per horizon step a learned share (starting at 0) of the seasonal "
        "naive forecast's difference from the last value.",
    ),
    H(
        "level_input",
        "categorical",
        "auto",
        "Give the network each window's level within its series as a static input: auto (for a "
        "single series, not for a panel), true or false. On a trending series the latest "
        "windows, those forecast from, lie beyond every training window's level.",
        choices=("auto", "true", "false"),
    ),
    H("seed", "int", 0, "Seed of the first ensemble member.", 0, 2**31 - 1, tunable=False),
    H(
        "target_transform",
        "categorical",
        "auto",
        "Transform before scaling: auto (log when every value is positive, log1p = log(1 + value) "
        "when none is negative, else none), none, log or log1p.",
        choices=("auto", "none", "log", "log1p"),
    ),
)
_SEASON = H(
    "season_length", "int", 0, "Season length; 0 uses the frequency's (12 monthly, 52 weekly...).", 0, 8760
)
_HISTORY = H(
    "max_history",
    "int",
    MAX_HISTORY,
    "Each series is fitted on at most this many of its latest values: the fit's cost grows with "
    "the length, and values that old change the forecast little.",
    24,
    100_000,
    tunable=False,
)

MODEL_TYPES: dict[str, ModelTypeSpec] = {
    "LSTM": ModelTypeSpec(
        "LSTM",
        "LSTM",
        "LSTM encoder over the lookback window with a multi-horizon quantile head.",
        True,
        _DEEP_COMMON,
    ),
    "TFT": ModelTypeSpec(
        "TFT",
        "Temporal Fusion Transformer",
        "Variable selection, gated residual networks, static covariates, LSTM encoder-decoder and "
        "interpretable attention over calendar-aware inputs; quantile outputs.",
        True,
        (*_DEEP_COMMON, H("attention_heads", "int", 4, "Heads of the interpretable attention.", 1, 16)),
    ),
    "SEASONAL_NAIVE": ModelTypeSpec(
        "SEASONAL_NAIVE", "Seasonal naive", "Repeats the last season (statsforecast).", False, (_SEASON,)
    ),
    "AUTO_ETS": ModelTypeSpec(
        "AUTO_ETS",
        "AutoETS",
        "Exponential smoothing state space model chosen by AICc (statsforecast).",
        False,
        (
            _SEASON,
            _HISTORY,
            H(
                "model",
                "categorical",
                "ZZZ",
                "ETS components (error, trend, season); Z = choose.",
                choices=("ZZZ", "ZZN", "AAN", "AAA", "MAM", "MMM", "ANN", "MNN"),
            ),
            H(
                "damped",
                "categorical",
                "auto",
                "Damped trend: auto, true or false.",
                choices=("auto", "true", "false"),
            ),
        ),
    ),
    "AUTO_ARIMA": ModelTypeSpec(
        "AUTO_ARIMA",
        "AutoARIMA",
        "Seasonal ARIMA chosen by the Hyndman-Khandakar search (statsforecast).",
        False,
        (
            _SEASON,
            _HISTORY,
            H("max_p", "int", 5, "Largest non-seasonal AR order.", 0, 10),
            H("max_q", "int", 5, "Largest non-seasonal MA order.", 0, 10),
            H("stepwise", "bool", True, "Stepwise search (faster) instead of exhaustive.", tunable=False),
            H(
                "approximation",
                "categorical",
                "auto",
                "Approximate likelihood during the search; auto: as R's auto.arima, when a series is "
                "longer than 150 or the season longer than 12.",
                choices=("auto", "true", "false"),
            ),
        ),
    ),
}


def _coerce(spec: HyperparameterSpec, value: Any) -> Any:
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidHyperparameterError(spec.name, f"expected true or false, got {value!r}")
        return value
    if spec.kind == "categorical":
        if not isinstance(value, str) or value not in spec.choices:
            raise InvalidHyperparameterError(
                spec.name, f"must be one of {', '.join(spec.choices)}; got {value!r}"
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidHyperparameterError(spec.name, f"expected a number, got {value!r}")
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise InvalidHyperparameterError(spec.name, f"expected an integer, got {value!r}")
        value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise InvalidHyperparameterError(spec.name, "must be finite")
    if spec.min is not None and value < spec.min:
        raise InvalidHyperparameterError(spec.name, f"{value} is below the minimum {spec.min}")
    if spec.max is not None and value > spec.max:
        raise InvalidHyperparameterError(spec.name, f"{value} is above the maximum {spec.max}")
    return value


def validate_hyperparameters(model_type: str, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults overlaid with ``given``, each checked against its spec."""
    if model_type not in MODEL_TYPES:
        raise InvalidHyperparameterError("model_type", f"unknown model type {model_type!r}")
    spec = MODEL_TYPES[model_type]
    known = {hp.name for hp in spec.hyperparameters}
    for name in given or {}:
        if name not in known:
            raise InvalidHyperparameterError(name, f"not a hyperparameter of {model_type}")
    values = {hp.name: hp.default for hp in spec.hyperparameters}
    for name, value in (given or {}).items():
        values[name] = _coerce(spec.spec(name), value)
    return values


def create_forecaster(model_type: str, hyperparameters: dict[str, Any] | None = None) -> Forecaster:
    """A new, untrained forecaster of ``model_type`` with validated hyperparameters."""
    values = validate_hyperparameters(model_type, hyperparameters)
    if MODEL_TYPES[model_type].deep:
        return DeepForecaster(model_type, values)
    return StatisticalForecaster(model_type, values)
