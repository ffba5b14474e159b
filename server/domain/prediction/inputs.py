"""A Predict or StreamPredict request's series checked and made into the SeriesBatch to forecast,
with the frequency they are on and the forecast steps' times; and which series ids the history
can store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.backends.base import SeriesBatch
from server.db.enums import Frequency
from server.db.models.predictions import SERIES_ID_LENGTH
from server.domain.datasets.reading import FLOAT32_MAX
from server.domain.prediction.dating import check_on_grid, forecast_times, last_times, on_periods
from server.domain.prediction.requests import (
    Limits,
    PackedInput,
    SeriesInput,
    check_answer_size,
    check_frequency,
    check_horizon,
    check_quantiles,
)
from server.domain.prediction.routing import Resolved
from server.errors import InvalidArgument


@dataclass  # not frozen: made for every Predict, and a frozen dataclass takes 4x as long to make
class Prepared:
    """A request as it is forecast: its batch (with the checked horizon and levels), the frequency
    of its series (the model's, else the caller's), and the forecast steps' times (n, horizon) when
    the series are dated."""

    batch: SeriesBatch
    frequency: Frequency | None
    times: npt.NDArray[np.datetime64] | None


SERIES_ID_RULE = f"at most {SERIES_ID_LENGTH} characters, none of them NUL"


def storable_series_id(series_id: str) -> bool:
    """Whether the history can store ``series_id`` (PostgreSQL stores no NUL in text)."""
    return len(series_id) <= SERIES_ID_LENGTH and "\0" not in series_id


def check_series_ids(series_ids: Sequence[str], n: int) -> None:
    """A packed request's series ids: one per series or none, each one the history can store."""
    if series_ids and len(series_ids) != n:
        raise InvalidArgument.field("series_ids", "needs as many ids as lengths, or none")
    if series_ids and (max(map(len, series_ids)) > SERIES_ID_LENGTH or "\0" in "".join(series_ids)):
        at = next(i for i, sid in enumerate(series_ids) if not storable_series_id(sid))
        raise InvalidArgument.field(f"series_ids[{at}]", SERIES_ID_RULE)


def prepare_series(
    resolved: Resolved, series: SeriesInput, horizon: int, quantiles: tuple[float, ...], limits: Limits
) -> Prepared:
    """Predict's one series, checked field by field as the model would check it (one value or
    more, all finite or NaN, and the horizon), so that its batch needs no check of its own."""
    if series.values.size < 1:
        raise InvalidArgument.field("series.values", "needs at least one value")
    if series.values.size > limits.max_series_length:
        raise InvalidArgument.field("series.values", f"at most {limits.max_series_length} values")
    # False for NaN, for inf and for what the model's float32 cannot hold (1e300).
    representable = np.abs(series.values) <= FLOAT32_MAX
    if not representable.all():  # the usual case ends here: every value observed and in range
        if not (representable | np.isnan(series.values)).all():
            raise InvalidArgument.field(
                "series.values",
                "values must be finite, at most 3.4e38 in size (NaN marks a missing value)",
            )
        if not representable.any():
            raise InvalidArgument.field("series.values", "needs at least one observed (non-NaN) value")
    values = series.values.astype(np.float32)
    if series.timestamps is not None and len(series.timestamps) != values.size:
        raise InvalidArgument.field("series.timestamps", "needs as many timestamps as values")
    if series.timestamps is not None and series.timestamps.size > 1:
        later = np.diff(series.timestamps) > np.timedelta64(0, "ns")
        if not later.all():
            index = int(np.argmin(later)) + 1
            raise InvalidArgument.field(f"series.timestamps[{index}]", "must be later than the one before")
    if not storable_series_id(series.series_id):
        raise InvalidArgument.field("series.series_id", SERIES_ID_RULE)
    if series.covariates:
        raise InvalidArgument.field(
            f"series.covariates[{series.covariates[0]}]", "the model takes no covariates"
        )
    if series.future_covariates:
        name = series.future_covariates[0]
        raise InvalidArgument.field(f"future_covariates[{name}]", "the model takes no covariates")
    horizon = check_horizon(resolved, horizon)
    levels = check_quantiles(resolved, quantiles)
    frequency = check_frequency(resolved, series.frequency, "series.frequency")
    stamps = None
    if series.timestamps is not None and series.timestamps.size:
        if frequency is not None:
            values = on_periods(values, series.timestamps, frequency, limits.max_series_length)
        stamps = series.timestamps[-1:]
    elif series.start is not None and frequency is not None:
        start = np.array([series.start])
        check_on_grid(start, frequency, "series.start", one_series=False, indexed=False)
        stamps = last_times(np.array([values.size]), start, frequency, "series.start")
    times = forecast_times(stamps, frequency, horizon)
    batch = SeriesBatch(values, np.array([values.size], dtype=np.int32), horizon, levels, stamps)
    return Prepared(batch, frequency, times)


def prepare_packed(resolved: Resolved, request: PackedInput, limits: Limits) -> Prepared:
    """StreamPredict's packed series: their lengths, ids and values, and an answer that fits a
    message (a series with no observed value is left for the forecast to answer with NaN)."""
    n = int(request.lengths.size)
    if n == 0:
        raise InvalidArgument.field("lengths", "is required: one length per series")
    if n > limits.max_series_per_message:
        raise InvalidArgument.field("lengths", f"at most {limits.max_series_per_message} series per message")
    check_series_ids(request.series_ids, n)
    if int(request.lengths.min()) < 1 or int(request.lengths.max()) > limits.max_series_length:
        raise InvalidArgument.field("lengths", f"each length must be 1 to {limits.max_series_length}")
    if int(request.lengths.astype(np.int64).sum()) != request.values.size:
        raise InvalidArgument.field("values", "must hold sum(lengths) values")
    if np.isinf(request.values).any():
        raise InvalidArgument.field("values", "values must be finite (NaN marks a missing value)")
    if request.start_times is not None and len(request.start_times) != n:
        raise InvalidArgument.field("start_times", "needs one start time per series, or none")
    horizon = check_horizon(resolved, request.horizon)
    levels = check_quantiles(resolved, request.quantiles)
    check_answer_size(request.series_ids, n, horizon, len(levels), limits.max_answer_bytes)
    frequency = check_frequency(resolved, request.frequency, "frequency")
    stamps = None
    if request.start_times is not None and frequency is not None:
        starts = request.start_times
        check_on_grid(starts, frequency, "start_times", one_series=False)
        stamps = last_times(request.lengths, starts, frequency, "start_times")
    times = forecast_times(stamps, frequency, horizon)
    batch = SeriesBatch(request.values, request.lengths, horizon, levels, stamps)
    return Prepared(batch, frequency, times)
