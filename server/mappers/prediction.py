"""PredictionService messages <-> domain values (BatchPredict's in server.mappers.batch_prediction)."""

from __future__ import annotations

import math

import numpy as np
from quantis.v1 import common_pb2
from quantis.v1 import prediction_service_pb2 as pb

from server.db.enums import PredictionSource
from server.domain.prediction.accuracy import Accuracy
from server.domain.prediction.blobs import stored_forecast
from server.domain.prediction.records import ActualInput, PredictionView
from server.domain.prediction.requests import PackedForecast, PackedInput, SeriesInput, UnaryForecast
from server.domain.prediction.stats import VersionStats
from server.errors import InvalidArgument
from server.mappers.common import (
    append_fixed_strings,
    append_floats,
    duration,
    from_wire,
    length_delimited,
    optional_datetime,
    optional_timestamp_ns,
    timestamp,
    timestamps_ns,
)
from server.mappers.dataset import frequency_from_proto
from server.mappers.forecast_wire import forecast_bytes

SOURCES = {
    PredictionSource.UNARY: pb.PREDICTION_SOURCE_UNARY,
    PredictionSource.STREAM: pb.PREDICTION_SOURCE_STREAM,
    PredictionSource.BATCH: pb.PREDICTION_SOURCE_BATCH,
}


source_from_proto = from_wire(SOURCES)
_views = from_wire({False: pb.PREDICTION_VIEW_BASIC, True: pb.PREDICTION_VIEW_FULL})


def full_view(view: int, default: bool) -> bool:
    """Whether a PredictionView asks for the forecast and actuals (``default`` when unspecified)."""
    chosen = _views(view, "view")
    return default if chosen is None else chosen


def series_from_proto(request: pb.PredictRequest) -> SeriesInput:
    series = request.series
    return SeriesInput(
        values=np.asarray(series.values, dtype=np.float64),
        series_id=series.series_id,
        timestamps=timestamps_ns(series.timestamps, "series.timestamps") if series.timestamps else None,
        start=optional_timestamp_ns(series.start, series.HasField("start"), "series.start"),
        frequency=frequency_from_proto(series.frequency, "series.frequency"),
        covariates=tuple(sorted(series.covariates)),
        future_covariates=tuple(sorted(request.future_covariates)),
    )


def packed_from_proto(request: pb.StreamPredictRequest) -> PackedInput:
    if len(request.request_id) > 128:
        raise InvalidArgument.field("request_id", "at most 128 characters")
    return PackedInput(
        model_id=request.model_id,
        version_id=request.version_id,
        horizon=request.horizon,
        quantiles=tuple(request.quantiles),
        frequency=frequency_from_proto(request.frequency, "frequency"),
        series_ids=list(request.series_ids),
        lengths=np.asarray(request.lengths, dtype=np.int32),
        values=np.asarray(request.values, dtype=np.float32),
        start_times=timestamps_ns(request.start_times, "start_times") if request.start_times else None,
    )


def predict_response(result: UnaryForecast) -> pb.PredictResponse:
    response = pb.PredictResponse(
        prediction_id=result.prediction_id,
        model_id=result.model_id,
        version_id=result.version_id,
        latency=duration(result.latency),
    )
    response.MergeFromString(length_delimited(2, forecast_bytes(result)))  # PredictResponse.forecast
    return response


def stream_response(request_id: str, result: PackedForecast) -> pb.StreamPredictResponse:
    response = pb.StreamPredictResponse(
        request_id=request_id,
        model_id=result.model_id,
        version_id=result.version_id,
        series_ids=result.series_ids,
        horizon=result.horizon,
        quantiles=result.levels,
        latency=duration(result.latency),
    )
    append_fixed_strings(response, "prediction_ids", result.prediction_ids.encoded())
    append_floats(response, "point_forecasts", result.arrays.point)
    append_floats(response, "quantile_forecasts", result.arrays.quantiles)
    return response


def _metrics(values: dict[str, float]) -> common_pb2.Metrics:
    return common_pb2.Metrics(
        mae=values["mae"],
        rmse=values["rmse"],
        smape=values["smape"],
        mase=values["mase"],
        coverage_80=values["coverage_80"],
        points=int(values["points"]),
    )


def accuracy_to_proto(result: Accuracy, full: bool, update_time: object = None) -> pb.PredictionAccuracy:
    message = pb.PredictionAccuracy(
        metrics=_metrics(result.metrics),
        intervals=[
            pb.IntervalCoverage(
                lower_quantile=i.lower,
                upper_quantile=i.upper,
                nominal=round(i.upper - i.lower, 12),
                observed=i.observed,
                points=i.points,
            )
            for i in result.intervals
        ],
        update_time=timestamp(update_time) if update_time is not None else None,  # type: ignore[arg-type]
    )
    if full:
        message.actuals.extend(result.actuals)
        message.abs_errors.extend(result.abs_errors)
    return message


def _stored_forecast(view: PredictionView) -> common_pb2.Forecast:
    from datetime import datetime

    stored = stored_forecast(view.prediction)
    levels = [float(q) for q in stored.get("levels") or []]
    stamps = stored.get("timestamps") or []
    nan = math.nan
    return common_pb2.Forecast(
        series_id=view.prediction.series_id,
        points=[
            common_pb2.ForecastPoint(
                step=step + 1,
                timestamp=timestamp(datetime.fromisoformat(stamps[step]))
                if step < len(stamps) and stamps[step]
                else None,
                mean=nan if p is None else p,
                quantiles=[
                    common_pb2.QuantileValue(quantile=level, value=nan if v is None else v)
                    for level, v in zip(levels, (stored.get("quantiles") or [])[step], strict=False)
                ],
            )
            for step, p in enumerate(stored.get("point") or [])
        ],
    )


def prediction_to_proto(view: PredictionView, full: bool) -> pb.Prediction:
    p = view.prediction
    message = pb.Prediction(
        prediction_id=p.id,
        owner_id=p.owner_id,
        model_id=p.model_id,
        version_id=p.version_id,
        series_id=p.series_id,
        horizon=p.horizon,
        quantiles=p.quantiles,
        source=SOURCES[p.source],
        latency=duration(p.latency_ms / 1000) if p.source is not PredictionSource.BATCH else None,
        create_time=timestamp(p.created_at),
        has_actuals=view.accuracy is not None,
    )
    if full:
        message.forecast.CopyFrom(_stored_forecast(view))
    if view.accuracy is not None:
        message.accuracy.CopyFrom(accuracy_to_proto(view.accuracy, full, view.update_time))
    return message


def actuals_from_proto(request: pb.SubmitActualsRequest) -> list[ActualInput]:
    return [
        ActualInput(
            value=point.value,
            step=point.step,
            timestamp=optional_datetime(
                point.timestamp, point.HasField("timestamp"), f"points[{i}].timestamp"
            ),
        )
        for i, point in enumerate(request.points)
    ]


def stats_to_proto(model_id: str, stats: VersionStats) -> pb.PredictionStats:
    return pb.PredictionStats(
        model_id=model_id,
        version_id=stats.version_id,
        request_count=stats.request_count,
        series_count=stats.series_count,
        error_count=stats.error_count,
        latency_p50=duration(stats.latency_p50),
        latency_p95=duration(stats.latency_p95),
        latency_p99=duration(stats.latency_p99),
        live_metrics=_metrics(stats.live_metrics),
        predictions_with_actuals=stats.predictions_with_actuals,
    )
