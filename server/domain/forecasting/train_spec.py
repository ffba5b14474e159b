"""What a training run asks for (overrides, validation, seed, epochs) and its search, checked;
and the history a deep model needs to train, the one rule CreateModel and TrainModel apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from server.db.enums import Frequency, ModelType
from server.db.models import Dataset, Model
from server.domain.forecasting.specs import registry_name, type_spec
from server.errors import FailedPrecondition, InvalidArgument, PreconditionViolation
from training.frequency import FREQUENCIES
from training.models.deep_fit import shortest_trainable

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
    searchable = {hp.name for hp in type_spec(model.model_type).hyperparameters if hp.tunable}
    frequency = model.frequency.value if model.frequency is not None else None
    seasonless = frequency is not None and not FREQUENCIES[frequency].seasonal
    for index, name in enumerate(search.parameters):
        if name not in searchable:
            raise InvalidArgument.field(
                f"search.parameters[{index}]",
                f"is not a searchable hyperparameter of {registry_name(model.model_type)}",
            )
        if name == "anchor_season" and seasonless:
            raise InvalidArgument.field(
                f"search.parameters[{index}]", f"anchor_season has no season to anchor on in {frequency} data"
            )
        if name in overrides:
            raise InvalidArgument.field(
                f"search.parameters[{index}]",
                "is fixed in hyperparameter_overrides; search it or fix it, not both",
            )
        if name in search.parameters[:index]:
            raise InvalidArgument.field(f"search.parameters[{index}]", "is listed twice")
    parameters = list(search.parameters) or sorted(searchable - set(overrides))
    if not parameters:
        # Every trial would train the same model: n_trials runs of one training.
        raise InvalidArgument.field(
            "search.parameters",
            "nothing left to search: every searchable hyperparameter of "
            f"{registry_name(model.model_type)} is fixed in hyperparameter_overrides",
        )
    return {
        "n_trials": search.n_trials or DEFAULT_TRIALS,
        "timeout_seconds": timeout.total_seconds(),
        "parameters": parameters,
    }


def history_needed(
    model_type: ModelType, horizon: int, frequency: Frequency, lookback: int, held_out: int
) -> int:
    """Fewest points the longest series needs for a deep model to train with ``lookback`` (0: the
    automatic one) before ``held_out`` horizons: a quarter lookback of context (at least 2
    points) and two horizons; 0 for a model that trains on any history."""
    if not type_spec(model_type).deep:
        return 0
    season = FREQUENCIES[frequency.value].season_length
    return horizon * held_out + shortest_trainable(horizon, lookback, season)


def check_lookback(
    model_type: ModelType,
    horizon: int,
    frequency: Frequency,
    dataset: Dataset,
    hyperparameters: dict[str, Any],
) -> None:
    """CreateModel's side of check_history: a model whose dataset's longest series cannot feed
    its lookback with one validation window could never train (its dataset does not change), so
    it is INVALID_ARGUMENT naming the lookback set, or the horizon the automatic one follows."""
    lookback = int(hyperparameters.get("lookback") or 0)
    longest = dataset.max_series_length
    if not longest:
        return
    points = history_needed(model_type, horizon, frequency, lookback, 1)
    if longest < points:
        field, which = ("hyperparameters[lookback]", "") if lookback else ("horizon", "automatic ")
        raise InvalidArgument.field(
            field,
            f"needs a series of at least {points} points to train (a quarter of the {which}lookback "
            f"as context and two horizons, after one validation window); the dataset's longest has "
            f"{longest}",
        )


def check_history(
    model: Model,
    dataset: Dataset,
    hyperparameters: dict[str, Any],
    overrides: dict[str, Any],
    windows: int,
    search: dict[str, Any] | None,
) -> None:
    """A deep model trains on windows of a quarter lookback of context and two horizons, before
    the ``windows`` validation horizons held out, and each search trial holds out one horizon
    more: a dataset whose longest series is shorter is refused here, not by a FAILED job. The
    request field that asks for more than the model itself needs is named; a model that cannot
    train on its dataset at all is FAILED_PRECONDITION."""
    longest = dataset.max_series_length
    if not longest or model.frequency is None or not type_spec(model.model_type).deep:
        return
    frequency, horizon = model.frequency, model.horizon
    searched = search["parameters"] if search else []

    def needed(lookback: int, held_out: int, searching: bool) -> int:
        lookback = 1 if searching and "lookback" in searched else lookback  # trials choose
        return history_needed(model.model_type, horizon, frequency, lookback, held_out + int(searching))

    own = needed(int(model.hyperparameters.get("lookback", 0)), 1, False)
    if longest < own:
        raise FailedPrecondition(
            f"model {model.id} needs a series of at least {own} points to train (its lookback and "
            f"horizon {horizon}, one validation window); the dataset's longest has {longest}",
            reason="SERIES_TOO_SHORT",
            violations=[PreconditionViolation("SERIES_LENGTH", f"models/{model.id}", "series too short")],
        )
    lookback = int(hyperparameters.get("lookback", 0))
    steps = [
        ("hyperparameter_overrides[lookback]", needed(lookback, 1, False), "lookback" in overrides),
        ("validation_windows", needed(lookback, windows, False), windows > 1),
        ("search", needed(lookback, windows, True), search is not None),
    ]
    for name, points, asked in steps:
        if asked and longest < points:
            raise InvalidArgument.field(
                name,
                f"needs a series of at least {points} points (a quarter lookback of context and two "
                f"horizons, after {windows} validation window(s)"
                f"{' and the search trials' if name == 'search' else ''}); the dataset's longest has "
                f"{longest}",
            )
