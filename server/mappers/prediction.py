"""PredictionService messages <-> domain values."""

from __future__ import annotations

import functools
import math

import numpy as np
from quantis.v1 import common_pb2
from quantis.v1 import prediction_service_pb2 as pb

from server.db.enums import DatasetFormat, JobState, PredictionSource
from server.db.models import BatchJob
from server.domain.prediction.accuracy import Accuracy
from server.domain.prediction.batch import BatchMessage, Progress
from server.domain.prediction.batch import Result as BatchResultView
from server.domain.prediction.batch_files import Chunk
from server.domain.prediction.batch_records import BatchSpec
from server.domain.prediction.history import stored_forecast
from server.domain.prediction.records import ActualInput, PredictionView, VersionStats
from server.domain.prediction.service import PackedForecast, PackedInput, SeriesInput, UnaryForecast
from server.errors import InvalidArgument
from server.mappers.common import (
    append_fixed_strings,
    append_floats,
    duration,
    from_wire,
    length_delimited,
    optional_datetime,
    timestamp,
    to_datetime,
    varint,
)
from server.mappers.dataset import frequency_from_proto

SOURCES = {
    PredictionSource.UNARY: pb.PREDICTION_SOURCE_UNARY,
    PredictionSource.STREAM: pb.PREDICTION_SOURCE_STREAM,
    PredictionSource.BATCH: pb.PREDICTION_SOURCE_BATCH,
}


source_from_proto = from_wire(SOURCES)


def series_from_proto(request: pb.PredictRequest) -> SeriesInput:
    series = request.series
    return SeriesInput(
        values=np.asarray(series.values, dtype=np.float64),
        series_id=series.series_id,
        timestamps=[to_datetime(t, f"series.timestamps[{i}]") for i, t in enumerate(series.timestamps)]
        or None,
        start=optional_datetime(series.start, series.HasField("start"), "series.start"),
        frequency=frequency_from_proto(series.frequency),
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
        frequency=frequency_from_proto(request.frequency),
        series_ids=list(request.series_ids),
        lengths=np.asarray(request.lengths, dtype=np.int32),
        values=np.asarray(request.values, dtype=np.float32),
        start_times=[to_datetime(t, f"start_times[{i}]") for i, t in enumerate(request.start_times)] or None,
    )


# ForecastPoint's fields after its timestamp and step, as they lie on the wire: the mean (field 3,
# a double), then one QuantileValue (field 4, a message of 18 bytes: quantile and value, fields 1
# and 2, doubles) per level.
_QUANTILE_VALUE = np.dtype(
    [
        ("key", "u1"),
        ("size", "u1"),
        ("level_key", "u1"),
        ("level", "<f8"),
        ("value_key", "u1"),
        ("value", "<f8"),
    ]
)


@functools.cache
def _point_tail(levels: int) -> np.dtype[np.void]:
    return np.dtype([("mean_key", "u1"), ("mean", "<f8"), ("quantiles", _QUANTILE_VALUE, (levels,))])


@functools.cache
def _step_field(step: int) -> bytes:
    return b"\x10" + varint(step)  # ForecastPoint.step, field 2


def _timestamp_field(seconds: int, nanos: int) -> bytes:
    """ForecastPoint.timestamp (field 1): a Timestamp with its non-zero fields."""
    inner = (b"\x08" + varint(seconds) if seconds else b"") + (b"\x10" + varint(nanos) if nanos else b"")
    return length_delimited(1, inner)


def forecast_bytes(result: UnaryForecast) -> bytes:
    """The forecast as a serialized Forecast message.

    Its points and their quantiles are some fifty small messages. Building them field by field
    (even in place, with ``add``) took 36-50 us per Predict, about a tenth of the interpreter's
    busy time at 64 callers; here the fixed-width part of every point (mean and quantiles) is
    laid out by numpy in one array, and only each point's head (timestamp and step) is made in
    Python (17 us in all without timestamps).
    """
    horizon, levels = result.horizon, len(result.levels)
    tail = np.empty(horizon, dtype=_point_tail(levels))
    tail["mean_key"] = 0x19  # field 3, 64-bit
    tail["mean"] = result.point[:horizon]
    quantiles = tail["quantiles"]
    quantiles["key"], quantiles["size"] = 0x22, _QUANTILE_VALUE.itemsize - 2  # field 4, its length
    quantiles["level_key"], quantiles["level"] = 0x09, result.levels
    quantiles["value_key"], quantiles["value"] = 0x11, result.quantiles[:horizon]
    tails, width = tail.tobytes(), tail.dtype.itemsize
    heads = [_step_field(step + 1) for step in range(horizon)]
    if result.timestamps is not None:
        nanos = result.timestamps[:horizon].astype("datetime64[ns]").astype(np.int64)
        seconds, fraction = np.divmod(nanos, 1_000_000_000)
        heads = [
            _timestamp_field(s, n) + head
            for s, n, head in zip(seconds.tolist(), fraction.tolist(), heads, strict=True)
        ]
    parts = [length_delimited(1, result.series_id.encode())] if result.series_id else []
    for step, head in enumerate(heads):
        parts.append(b"\x12" + varint(len(head) + width) + head)  # Forecast.points, field 2
        parts.append(tails[step * width : (step + 1) * width])
    return b"".join(parts)


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


OUTPUT_FORMATS = {
    DatasetFormat.PARQUET: pb.BATCH_OUTPUT_FORMAT_PARQUET,
    DatasetFormat.CSV: pb.BATCH_OUTPUT_FORMAT_CSV,
}

BATCH_STATES = {
    JobState.RUNNING: pb.BATCH_JOB_STATE_RUNNING,
    JobState.QUEUED: pb.BATCH_JOB_STATE_INTERRUPTED,
    JobState.CANCELLED: pb.BATCH_JOB_STATE_INTERRUPTED,
    JobState.SUCCEEDED: pb.BATCH_JOB_STATE_SUCCEEDED,
    JobState.FAILED: pb.BATCH_JOB_STATE_FAILED,
}


def batch_spec_from_proto(request: pb.BatchPredictRequest) -> BatchSpec:
    if request.output_format not in (0, *OUTPUT_FORMATS.values()):
        raise InvalidArgument.field("output_format", "unknown format")
    return BatchSpec(
        dataset_id=request.dataset_id,
        model_id=request.model_id,
        version_id=request.version_id,
        horizon=request.horizon,
        quantiles=tuple(request.quantiles),
        chunk_size=request.chunk_size,
        job_id=request.job_id,
        offset=request.offset,
        output_format=next((f for f, n in OUTPUT_FORMATS.items() if n == request.output_format), None),
    )


def batch_result_to_proto(result: BatchResultView) -> pb.BatchResult:
    return pb.BatchResult(
        output_uri=result.output_path.resolve().as_uri(),
        format=OUTPUT_FORMATS[result.format],
        rows=result.rows,
        series_count=result.series_count,
        duration=duration(result.duration),
        model_id=result.model_id,
        version_id=result.version_id,
        size_bytes=result.size_bytes,
    )


def batch_message_to_proto(job_id: str, message: BatchMessage) -> pb.BatchPredictResponse:
    if isinstance(message, Progress):
        progress = pb.BatchProgress(
            series_done=message.series_done,
            series_total=message.series_total,
            percent=100.0 * message.series_done / message.series_total if message.series_total else 100.0,
            elapsed=duration(message.elapsed),
            version_id=message.version_id,
            start_offset=message.start_offset,
        )
        if message.eta is not None:
            progress.eta.CopyFrom(duration(message.eta))
        return pb.BatchPredictResponse(job_id=job_id, progress=progress)
    if isinstance(message, Chunk):
        chunk = pb.BatchPredictChunk(
            offset=message.offset,
            series_ids=message.series_ids,
            horizon=message.horizon,
            quantiles=message.quantiles,
            prediction_ids=message.prediction_ids,
        )
        append_floats(chunk, "point_forecasts", message.point)
        append_floats(chunk, "quantile_forecasts", message.quantile_values)
        return pb.BatchPredictResponse(job_id=job_id, chunk=chunk)
    return pb.BatchPredictResponse(job_id=job_id, result=batch_result_to_proto(message))


def batch_job_to_proto(job: BatchJob, result: BatchResultView | None) -> pb.BatchJob:
    return pb.BatchJob(
        job_id=job.id,
        owner_id=job.owner_id,
        dataset_id=job.dataset_id or "",
        model_id=job.model_id,
        version_id=job.version_id or "",
        state=BATCH_STATES[job.state],
        offset=job.series_done,
        total=job.series_total,
        horizon=job.horizon,
        quantiles=job.quantiles,
        result=batch_result_to_proto(result) if result is not None else None,
        error=job.error_message,
        create_time=timestamp(job.created_at),
        update_time=timestamp(job.updated_at),
    )
