from __future__ import annotations

import pytest

from training.errors import InvalidHyperparameterError
from training.models.deep import DeepForecaster
from training.models.statistical import StatisticalForecaster
from training.registry import MODEL_TYPES, create_forecaster, validate_hyperparameters


def test_every_model_type_is_declared_with_specs() -> None:
    assert set(MODEL_TYPES) == {"LSTM", "TFT", "SEASONAL_NAIVE", "AUTO_ETS", "AUTO_ARIMA"}
    for spec in MODEL_TYPES.values():
        assert spec.description and spec.hyperparameters
        for hp in spec.hyperparameters:
            assert hp.kind in ("int", "float", "categorical", "bool") and hp.description
            if hp.kind == "categorical":
                assert hp.default in hp.choices
            if hp.kind in ("int", "float"):
                assert hp.min is not None and hp.max is not None and hp.min <= hp.default <= hp.max
    assert isinstance(create_forecaster("TFT"), DeepForecaster)
    assert isinstance(create_forecaster("AUTO_ETS"), StatisticalForecaster)


def test_defaults_are_filled_and_values_coerced() -> None:
    values = validate_hyperparameters("LSTM", {"hidden_size": 64.0, "dropout": 0})
    assert values["hidden_size"] == 64 and isinstance(values["hidden_size"], int)
    assert values["dropout"] == 0.0 and values["max_epochs"] == MODEL_TYPES["LSTM"].spec("max_epochs").default


@pytest.mark.parametrize(
    ("model_type", "given", "name"),
    [
        ("LSTM", {"hidden_size": 0}, "hidden_size"),
        ("LSTM", {"hidden_size": 10.5}, "hidden_size"),
        ("LSTM", {"learning_rate": "fast"}, "learning_rate"),
        ("LSTM", {"dropout": float("nan")}, "dropout"),
        ("TFT", {"attention_heads": 99}, "attention_heads"),
        ("TFT", {"target_transform": "sqrt"}, "target_transform"),
        ("LSTM", {"attention_heads": 2}, "attention_heads"),
        ("AUTO_ARIMA", {"stepwise": "yes"}, "stepwise"),
        ("AUTO_ETS", {"model": "XYZ"}, "model"),
        ("PROPHET", {}, "model_type"),
    ],
)
def test_bad_hyperparameters_are_rejected_by_name(
    model_type: str, given: dict[str, object], name: str
) -> None:
    with pytest.raises(InvalidHyperparameterError) as caught:
        validate_hyperparameters(model_type, given)
    assert caught.value.name == name and name in str(caught.value)
    assert isinstance(caught.value, ValueError)
