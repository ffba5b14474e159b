"""What a model is made of, checked: type, target, horizon, frequency, quantiles, hyperparameters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from server.db.enums import Frequency, ModelType
from server.db.models import Dataset
from server.domain.datasets.spec import LABEL_KEY, MAX_LABEL_VALUE, MAX_LABELS
from server.domain.stored_text import nul_violations
from server.errors import InvalidArgument
from server.jobs.panels import value_columns
from training import MODEL_TYPES, InvalidHyperparameterError, InvalidRequestError, validate_hyperparameters
from training.models.statistical import check_level
from training.registry import ModelTypeSpec

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_QUANTILES = 19
DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
# Deep models learn the levels 0.01 ... 0.99; others are interpolated between them.
DEEP_QUANTILE_RANGE = (0.01, 0.99)


class Missing:
    """A hyperparameter named with no value set."""


MISSING = Missing()


def registry_name(model_type: ModelType) -> str:
    return model_type.value.upper()


def type_spec(model_type: ModelType) -> ModelTypeSpec:
    return MODEL_TYPES[registry_name(model_type)]


@dataclass(frozen=True)
class ModelSpec:
    """A CreateModelRequest in domain terms (``None`` for an enum not given)."""

    name: str
    type: ModelType | None
    dataset_id: str
    horizon: int
    description: str = ""
    target_column: str = ""
    frequency: Frequency | None = None
    quantiles: tuple[float, ...] = ()
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def check_text(spec: ModelSpec) -> None:
    if not spec.name.strip() or len(spec.name) > MAX_NAME:
        raise InvalidArgument.field("name", f"must be 1 to {MAX_NAME} characters")
    if len(spec.description) > MAX_DESCRIPTION:
        raise InvalidArgument.field("description", f"must be at most {MAX_DESCRIPTION} characters")
    if spec.type is None:
        raise InvalidArgument.field("type", "is required")
    if not spec.dataset_id:
        raise InvalidArgument.field("dataset_id", "is required")
    check_labels(spec.labels)
    # PostgreSQL stores no NUL in text; refused on every database, as dataset metadata is.
    texts = [("name", spec.name), ("description", spec.description)]
    texts += [(f"labels[{key}]", key + value) for key, value in sorted(spec.labels.items())]
    if bad := nul_violations(texts):
        raise InvalidArgument.field(bad[0].field, bad[0].description)


def check_labels(labels: dict[str, str]) -> None:
    if len(labels) > MAX_LABELS:
        raise InvalidArgument.field("labels", f"at most {MAX_LABELS} labels")
    for key, value in sorted(labels.items()):
        if not LABEL_KEY.fullmatch(key):
            raise InvalidArgument.field(
                f"labels[{key}]", "keys are lower-case letters, digits, '_' or '-', starting with a letter"
            )
        if len(value) > MAX_LABEL_VALUE:
            raise InvalidArgument.field(f"labels[{key}]", f"values are at most {MAX_LABEL_VALUE} characters")


def target_of(spec: ModelSpec, dataset: Dataset) -> str:
    values = value_columns(dataset.columns)
    if not spec.target_column:
        if len(values) == 1:
            return values[0]
        raise InvalidArgument.field(
            "target_column", f"is required: the dataset has several value columns ({', '.join(values)})"
        )
    if spec.target_column not in values:
        raise InvalidArgument.field(
            "target_column", f"is not a value column of the dataset; choose one of {', '.join(values)}"
        )
    return spec.target_column


def check_horizon(
    horizon: int, max_horizon: int, dataset: Dataset, windows: int = 1, field: str = "horizon"
) -> None:
    if horizon < 1 or horizon > max_horizon:
        raise InvalidArgument.field("horizon", f"must be between 1 and {max_horizon}")
    needed = horizon * (windows + 1)
    if dataset.max_series_length and dataset.max_series_length <= needed:
        raise InvalidArgument.field(
            field,
            f"needs series longer than {needed} points (horizon x (validation windows + 1)); "
            f"the dataset's longest has {dataset.max_series_length}",
        )


def frequency_of(spec: ModelSpec, dataset: Dataset) -> Frequency:
    if spec.frequency is None:
        if dataset.frequency is None:
            raise InvalidArgument.field("frequency", "is required: the dataset has no inferred frequency")
        return dataset.frequency
    if dataset.frequency is not None and spec.frequency is not dataset.frequency:
        raise InvalidArgument.field(
            "frequency", f"must equal the dataset's frequency ({dataset.frequency.value}) or be unspecified"
        )
    return spec.frequency


def check_levels(levels: Sequence[float], statistical: bool, field: str = "quantiles") -> None:
    """The one rule for quantile levels, at CreateModel and wherever a forecast asks for them:
    at most MAX_QUANTILES, each strictly between 0 and 1 and above the one before, and for a
    statistical model one statsforecast can give (check_level). A bad level is INVALID_ARGUMENT
    naming ``field[i]``."""
    if len(levels) > MAX_QUANTILES:
        raise InvalidArgument.field(field, f"at most {MAX_QUANTILES} levels")
    for index, level in enumerate(levels):
        if not math.isfinite(level) or not 0.0 < level < 1.0:
            raise InvalidArgument.field(f"{field}[{index}]", "must be strictly between 0 and 1")
        if index and level <= levels[index - 1]:
            raise InvalidArgument.field(f"{field}[{index}]", "levels must be strictly increasing")
        if statistical:
            try:
                check_level(level)
            except InvalidRequestError as exc:
                raise InvalidArgument.field(f"{field}[{index}]", str(exc)) from exc


def check_quantiles(given: tuple[float, ...], model_type: ModelType) -> list[float]:
    if not given:
        return list(DEFAULT_QUANTILES)
    deep = type_spec(model_type).deep
    check_levels(given, statistical=not deep)
    if deep:
        low, high = DEEP_QUANTILE_RANGE
        for index, level in enumerate(given):
            if not low <= level <= high:
                raise InvalidArgument.field(
                    f"quantiles[{index}]", f"must lie in [{low}, {high}] for this type"
                )
    return sorted({*given, 0.5})


def check_hyperparameters(model_type: ModelType, given: dict[str, Any], field: str) -> dict[str, Any]:
    """The type's defaults overlaid with ``given``; a bad one is INVALID_ARGUMENT naming ``field[<name>]``."""
    for name, value in sorted(given.items()):
        if value is MISSING:
            raise InvalidArgument.field(f"{field}[{name}]", "has no value")
    try:
        return validate_hyperparameters(registry_name(model_type), given)
    except InvalidHyperparameterError as error:
        description = str(error).split(": ", 1)[-1]
        raise InvalidArgument.field(f"{field}[{error.name}]", description) from error
