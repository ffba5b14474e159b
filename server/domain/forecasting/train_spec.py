"""What a training run asks for (overrides, validation, seed, epochs) and its search, checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from server.db.models import Model
from server.domain.forecasting.specs import registry_name, type_spec
from server.errors import InvalidArgument

MAX_TRIALS = 200
DEFAULT_TRIALS = 20
DEFAULT_SEARCH_TIMEOUT = timedelta(hours=1)
MAX_SEARCH_TIMEOUT = timedelta(hours=24)


@dataclass(frozen=True)
class SearchSpec:
    n_trials: int = 0
    timeout: timedelta | None = None
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainSpec:
    overrides: dict[str, Any] = field(default_factory=dict)
    validation_windows: int = 0
    seed: int | None = None
    max_epochs: int = 0
    search: SearchSpec | None = None


def search_config(search: SearchSpec, model: Model, overrides: dict[str, Any]) -> dict[str, Any]:
    if not 0 <= search.n_trials <= MAX_TRIALS:
        raise InvalidArgument.field(
            "search.n_trials", f"must be between 1 and {MAX_TRIALS} (0: {DEFAULT_TRIALS})"
        )
    timeout = search.timeout if search.timeout is not None else DEFAULT_SEARCH_TIMEOUT
    if timeout <= timedelta(0) or timeout > MAX_SEARCH_TIMEOUT:
        raise InvalidArgument.field("search.timeout", "must be positive and at most 24 hours")
    searchable = {
        hp.name
        for hp in type_spec(model.model_type).hyperparameters
        if hp.tunable and hp.kind in ("int", "float", "categorical")
    }
    for index, name in enumerate(search.parameters):
        if name not in searchable:
            raise InvalidArgument.field(
                f"search.parameters[{index}]",
                f"is not a searchable hyperparameter of {registry_name(model.model_type)}",
            )
        if name in overrides:
            raise InvalidArgument.field(
                f"search.parameters[{index}]",
                "is fixed in hyperparameter_overrides; search it or fix it, not both",
            )
    parameters = list(search.parameters) or sorted(searchable - set(overrides))
    return {
        "n_trials": search.n_trials or DEFAULT_TRIALS,
        "timeout_seconds": timeout.total_seconds(),
        "parameters": parameters,
    }
