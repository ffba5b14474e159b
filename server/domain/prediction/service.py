"""Predict and StreamPredict: validate, route to a version, batch, record the history (what they
take and answer, and the shared checks, are in server.domain.prediction.requests)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from server.auth.principal import Principal
from server.backends.base import ForecastArrays, SeriesBatch
from server.backends.batcher import DynamicBatcher
from server.db.base import NewIds, new_ids
from server.db.enums import Frequency, PredictionSource
from server.domain.datasets.reading import FLOAT32_MAX
from server.domain.prediction.failures import FailureLog
from server.domain.prediction.history import Served
from server.domain.prediction.requests import (
    SERIES_ID_RULE,
    Limits,
    PackedForecast,
    PackedInput,
    SeriesInput,
    UnaryForecast,
    check_answer_size,
    check_frequency,
    check_horizon,
    check_on_grid,
    check_quantiles,
    check_series_ids,
    forecast_times,
    last_times,
    on_periods,
    season_length,
    storable_series_id,
)
from server.domain.prediction.routing import Resolved, VersionRouter
from server.domain.prediction.writer import HistoryWriter
from server.errors import InvalidArgument, NotFound, ResourceExhausted
from training.errors import InvalidDataError, InvalidRequestError


class Predictor:
    def __init__(
        self,
        router: VersionRouter,
        batcher: DynamicBatcher,
        history: HistoryWriter,
        limits: Limits,
        failures: FailureLog,
    ):
        self.router = router
        self.batcher = batcher
        self.history = history
        self.limits = limits
        self.failures = failures

    async def _forecast(
        self, resolved: Resolved, batch: SeriesBatch, field: str, *, checked: bool = False
    ) -> ForecastArrays:
        if self.batcher.queue_depth + batch.size > self.limits.max_queued_series:
            raise ResourceExhausted(
                "the inference queue is full; retry shortly",
                retry_after_seconds=max(self.batcher.max_delay * 10, 0.05),
                reason="INFERENCE_QUEUE_FULL",
            )
        try:
            return await self.batcher.forecast(resolved.version.ref, batch, checked=checked)
        except FileNotFoundError as exc:
            # The version's files went with its model (DeleteModel) after its routing was read.
            raise NotFound("model version", resolved.version.ref.version_id) from exc
        except (InvalidRequestError, InvalidDataError) as exc:
            message = str(exc)
            name = "quantiles" if "quantile" in message or "level" in message else field
            if "horizon" in message:
                name = "horizon"
            raise InvalidArgument.field(name, message) from exc

    async def forecast_packed(self, resolved: Resolved, batch: SeriesBatch, field: str) -> ForecastArrays:
        """Forecast packed series; a series with no observed value gets NaN rows instead of failing
        the others."""
        starts = np.concatenate([[0], np.cumsum(batch.lengths.astype(np.int64))[:-1]])
        observed = np.add.reduceat((~np.isnan(batch.values)).astype(np.int64), starts)
        usable = observed > 0
        if usable.all():
            return await self._forecast(resolved, batch, field)
        n, h, q = batch.size, batch.horizon, len(batch.quantiles)
        point = np.full((n, h), np.nan, dtype=np.float32)
        quantiles = np.full((n, h, q), np.nan, dtype=np.float32)
        if usable.any():
            keep = np.repeat(usable, batch.lengths)
            stamps = batch.last_timestamps[usable] if batch.last_timestamps is not None else None
            part = SeriesBatch(batch.values[keep], batch.lengths[usable], h, batch.quantiles, stamps)
            arrays = await self._forecast(resolved, part, field)
            point[usable], quantiles[usable] = arrays.point, arrays.quantiles
        return ForecastArrays(point, quantiles)

    @contextlib.contextmanager
    def _failures_counted(
        self, principal: Principal, resolved: Resolved, source: PredictionSource
    ) -> Iterator[None]:
        """Record a failure of what runs inside (the caller's or the server's) for the stats."""
        try:
            yield
        except Exception as error:
            self.failures.record(
                principal.user_id, resolved.route.model_id, resolved.version.ref.version_id, source, error
            )
            raise

    def _record(
        self,
        principal: Principal,
        resolved: Resolved,
        source: PredictionSource,
        batch: SeriesBatch,
        series_ids: Sequence[str],
        frequency: Frequency | None,
        arrays: ForecastArrays,
        times: npt.NDArray[np.datetime64] | None,
        latency: float,
    ) -> NewIds:
        """Queue what ``batch`` was answered with for the history; the ids of its series."""
        ids = new_ids(batch.size)
        self.history.record(
            Served(
                owner_id=principal.user_id,
                model_id=resolved.route.model_id,
                version_id=resolved.version.ref.version_id,
                source=source,
                request=ids[0],
                ids=ids,
                series_ids=series_ids,
                values=batch.values,
                lengths=batch.lengths,
                season_length=season_length(frequency),
                levels=batch.quantiles,
                point=arrays.point,
                quantiles=arrays.quantiles,
                times=times,
                latency_ms=latency * 1000,
            )
        )
        return ids

    async def predict(
        self,
        principal: Principal,
        model_id: str,
        version_id: str,
        series: SeriesInput,
        horizon: int,
        quantiles: tuple[float, ...],
        started: float | None = None,
    ) -> UnaryForecast:
        started = time.perf_counter() if started is None else started
        resolved = await self.router.resolve(principal, model_id, version_id)
        with self._failures_counted(principal, resolved, PredictionSource.UNARY):
            return await self._predict(principal, resolved, series, horizon, quantiles, started)

    async def _predict(
        self,
        principal: Principal,
        resolved: Resolved,
        series: SeriesInput,
        horizon: int,
        quantiles: tuple[float, ...],
        started: float,
    ) -> UnaryForecast:
        if series.values.size < 1:
            raise InvalidArgument.field("series.values", "needs at least one value")
        if series.values.size > self.limits.max_series_length:
            raise InvalidArgument.field("series.values", f"at most {self.limits.max_series_length} values")
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
                raise InvalidArgument.field(
                    f"series.timestamps[{index}]", "must be later than the one before"
                )
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
                values = on_periods(values, series.timestamps, frequency, self.limits.max_series_length)
            stamps = series.timestamps[-1:]
        elif series.start is not None and frequency is not None:
            start = np.array([series.start])
            check_on_grid(start, frequency, "series.start", one_series=False, indexed=False)
            stamps = last_times(np.array([values.size]), start, frequency, "series.start")
        times = forecast_times(stamps, frequency, horizon)
        batch = SeriesBatch(values, np.array([values.size], dtype=np.int32), horizon, levels, stamps)
        # Checked above field by field: one value or more, all finite or NaN, and the horizon.
        arrays = await self._forecast(resolved, batch, "series.values", checked=True)
        point, q = arrays.point[0], arrays.quantiles[0]
        latency = time.perf_counter() - started
        prediction_id = self._record(
            principal,
            resolved,
            PredictionSource.UNARY,
            batch,
            [series.series_id],
            frequency,
            arrays,
            times,
            latency,
        )[0]
        route = resolved.route
        return UnaryForecast(
            prediction_id,
            route.model_id,
            resolved.version.ref.version_id,
            series.series_id,
            horizon,
            levels,
            point,
            q,
            None if times is None else times[0],
            latency,
        )

    async def predict_packed(
        self, principal: Principal, request: PackedInput, started: float
    ) -> PackedForecast:
        resolved = await self.router.resolve(principal, request.model_id, request.version_id)
        with self._failures_counted(principal, resolved, PredictionSource.STREAM):
            return await self._predict_packed(principal, resolved, request, started)

    async def _predict_packed(
        self, principal: Principal, resolved: Resolved, request: PackedInput, started: float
    ) -> PackedForecast:
        n = int(request.lengths.size)
        if n == 0:
            raise InvalidArgument.field("lengths", "is required: one length per series")
        if n > self.limits.max_series_per_message:
            raise InvalidArgument.field(
                "lengths", f"at most {self.limits.max_series_per_message} series per message"
            )
        check_series_ids(request.series_ids, n)
        if int(request.lengths.min()) < 1 or int(request.lengths.max()) > self.limits.max_series_length:
            raise InvalidArgument.field(
                "lengths", f"each length must be 1 to {self.limits.max_series_length}"
            )
        if int(request.lengths.astype(np.int64).sum()) != request.values.size:
            raise InvalidArgument.field("values", "must hold sum(lengths) values")
        if np.isinf(request.values).any():
            raise InvalidArgument.field("values", "values must be finite (NaN marks a missing value)")
        if request.start_times is not None and len(request.start_times) != n:
            raise InvalidArgument.field("start_times", "needs one start time per series, or none")
        horizon = check_horizon(resolved, request.horizon)
        levels = check_quantiles(resolved, request.quantiles)
        check_answer_size(request.series_ids, n, horizon, len(levels), self.limits.max_answer_bytes)
        frequency = check_frequency(resolved, request.frequency, "frequency")
        stamps = None
        if request.start_times is not None and frequency is not None:
            starts = request.start_times
            check_on_grid(starts, frequency, "start_times", one_series=False)
            stamps = last_times(request.lengths, starts, frequency, "start_times")
        times = forecast_times(stamps, frequency, horizon)
        batch = SeriesBatch(request.values, request.lengths, horizon, levels, stamps)
        arrays = await self.forecast_packed(resolved, batch, "values")
        latency = time.perf_counter() - started
        ids = self._record(
            principal,
            resolved,
            PredictionSource.STREAM,
            batch,
            request.series_ids,
            frequency,
            arrays,
            times,
            latency,
        )
        return PackedForecast(
            resolved.route.model_id,
            resolved.version.ref.version_id,
            list(request.series_ids),
            horizon,
            levels,
            arrays,
            ids,
            latency,
        )
