"""Predict and StreamPredict: route to a version, forecast through the dynamic batcher, record
the history (what they take and answer, and the checks against the version, are in
server.domain.prediction.requests; a request's series are checked and batched in
server.domain.prediction.inputs)."""

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
from server.domain.prediction.failures import FailureLog
from server.domain.prediction.history import Served
from server.domain.prediction.inputs import prepare_packed, prepare_series
from server.domain.prediction.requests import (
    Limits,
    PackedForecast,
    PackedInput,
    SeriesInput,
    UnaryForecast,
    season_length,
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
        prepared = prepare_series(resolved, series, horizon, quantiles, self.limits)
        batch, times = prepared.batch, prepared.times
        # Checked when prepared, field by field: one value or more, all finite or NaN, and the horizon.
        arrays = await self._forecast(resolved, batch, "series.values", checked=True)
        point, q = arrays.point[0], arrays.quantiles[0]
        latency = time.perf_counter() - started
        prediction_id = self._record(
            principal,
            resolved,
            PredictionSource.UNARY,
            batch,
            [series.series_id],
            prepared.frequency,
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
            batch.horizon,
            batch.quantiles,
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
        prepared = prepare_packed(resolved, request, self.limits)
        batch = prepared.batch
        arrays = await self.forecast_packed(resolved, batch, "values")
        latency = time.perf_counter() - started
        ids = self._record(
            principal,
            resolved,
            PredictionSource.STREAM,
            batch,
            request.series_ids,
            prepared.frequency,
            arrays,
            prepared.times,
            latency,
        )
        return PackedForecast(
            resolved.route.model_id,
            resolved.version.ref.version_id,
            list(request.series_ids),
            batch.horizon,
            batch.quantiles,
            arrays,
            ids,
            latency,
        )
