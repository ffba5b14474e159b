"""What Predict and StreamPredict take and answer, the checks of a caller's horizon, quantile
levels and frequency against the version that serves them, and the size of an answer's message.
A caller's series are checked in server.domain.prediction.inputs, dated in
server.domain.prediction.dating."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.backends.base import ForecastArrays
from server.db.base import NewIds
from server.db.enums import Frequency
from server.domain.forecasting.specs import check_levels
from server.domain.prediction.routing import Resolved
from server.errors import FailedPrecondition, InvalidArgument, PreconditionViolation
from training.frequency import FREQUENCIES

MAX_HORIZON = 1000
MAX_SERIES_PER_MESSAGE = 10_000


@dataclass(frozen=True)
class Limits:
    max_series_length: int = 100_000
    max_series_per_message: int = MAX_SERIES_PER_MESSAGE
    max_queued_series: int = 100_000
    """Series waiting in the dynamic batcher beyond which a request is refused (RESOURCE_EXHAUSTED)."""
    max_answer_bytes: int = 16 << 20
    """The server's message size limit: a StreamPredict answer that would not fit is refused."""


ID_BYTES = 64
"""Per series, beyond its series id: its prediction id (36 characters) and the tags and
lengths around both ids."""
FRAMING_BYTES = 4096
"""Per message: the job or request id, model and version ids, offset, horizon, the tags and
lengths of the packed arrays, and the gRPC framing."""


def answer_size(series: int, horizon: int, levels: int, id_bytes: int) -> int:
    """At most the size of one message carrying the forecasts of ``series`` series (a BatchPredict
    chunk, or a StreamPredict answer), each id at most ``id_bytes`` bytes: float32 points and
    quantiles."""
    return FRAMING_BYTES + 8 * levels + series * (4 * horizon * (1 + levels) + id_bytes + ID_BYTES)


def check_answer_size(series_ids: Sequence[str], series: int, horizon: int, levels: int, limit: int) -> None:
    """INVALID_ARGUMENT on ``lengths`` when the answer would not fit a message of ``limit`` bytes.
    Ids are measured in characters first (4 bytes each at most), in bytes only near the limit."""
    chars = max(map(len, series_ids), default=0)
    if answer_size(series, horizon, levels, 4 * chars) <= limit:
        return
    size = answer_size(series, horizon, levels, max((len(s.encode()) for s in series_ids), default=0))
    if size > limit:
        raise InvalidArgument.field(
            "lengths",
            f"the answer would be {size} bytes, over the {limit}-byte message limit: "
            "send fewer series or a shorter horizon",
        )


@dataclass(frozen=True)
class SeriesInput:
    """One series to forecast (Predict)."""

    values: npt.NDArray[np.float64]
    series_id: str = ""
    timestamps: npt.NDArray[np.datetime64] | None = None  # datetime64[ns], as the start
    start: np.datetime64 | None = None
    frequency: Frequency | None = None
    covariates: tuple[str, ...] = ()
    future_covariates: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackedInput:
    """Many series packed flat (StreamPredict)."""

    model_id: str
    version_id: str
    horizon: int
    quantiles: tuple[float, ...]
    frequency: Frequency | None
    series_ids: list[str]
    lengths: npt.NDArray[np.int32]
    values: npt.NDArray[np.float32]
    start_times: npt.NDArray[np.datetime64] | None = None  # datetime64[ns], one per series


@dataclass(frozen=True)
class UnaryForecast:
    prediction_id: str
    model_id: str
    version_id: str
    series_id: str
    horizon: int
    levels: tuple[float, ...]
    point: npt.NDArray[np.float32]
    quantiles: npt.NDArray[np.float32]
    timestamps: npt.NDArray[np.datetime64] | None
    """The forecast steps' times (UTC), when the series is dated."""
    latency: float


@dataclass(frozen=True)
class PackedForecast:
    model_id: str
    version_id: str
    series_ids: list[str]
    horizon: int
    levels: tuple[float, ...]
    arrays: ForecastArrays
    prediction_ids: NewIds
    latency: float


def season_length(frequency: Frequency | None) -> int:
    return FREQUENCIES[frequency.value].season_length if frequency else 1


def check_horizon(resolved: Resolved, horizon: int, field: str = "horizon") -> int:
    route = resolved.route
    if horizon == 0:
        return route.horizon
    if horizon < 0 or horizon > MAX_HORIZON:
        raise InvalidArgument.field(field, f"must be between 1 and {MAX_HORIZON} (0 means the model's)")
    if route.deep and horizon > route.horizon:
        raise InvalidArgument.field(
            field,
            f"{horizon} exceeds the trained horizon {route.horizon} of this {route.model_type.value} model",
        )
    return horizon


def check_quantiles(
    resolved: Resolved, quantiles: tuple[float, ...], field: str = "quantiles"
) -> tuple[float, ...]:
    """The levels asked for (check_levels, as at CreateModel), or the version's trained ones."""
    route = resolved.route
    if not quantiles:
        if not route.deep:
            try:  # a model created before the statistical rule existed may hold a level past it
                check_levels(route.quantiles, statistical=True)
            except InvalidArgument as exc:
                raise FailedPrecondition(
                    f"the model's own quantile levels cannot be given ({exc.message}); ask for levels",
                    reason="MODEL_LEVELS_UNUSABLE",
                    violations=[PreconditionViolation("MODEL_LEVELS_UNUSABLE", field, "set quantiles")],
                ) from exc
        return route.quantiles
    check_levels(quantiles, statistical=not route.deep, field=field)
    if route.deep:
        low, high = route.quantiles[0], route.quantiles[-1]
        for index, level in enumerate(quantiles):
            if not low - 1e-9 <= level <= high + 1e-9:
                raise InvalidArgument.field(
                    f"{field}[{index}]", f"levels must lie between the trained levels {low} and {high}"
                )
    return tuple(float(q) for q in quantiles)


def check_frequency(resolved: Resolved, frequency: Frequency | None, field: str) -> Frequency | None:
    model = resolved.route.frequency
    if frequency is not None and model is not None and frequency is not model:
        raise InvalidArgument.field(field, f"must be unspecified or the model's ({model.value})")
    return model or frequency
