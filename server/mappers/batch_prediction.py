"""BatchPredict and GetBatchJob messages <-> domain values."""

from __future__ import annotations

from quantis.v1 import prediction_service_pb2 as pb

from server.db.enums import DatasetFormat, JobState
from server.db.models import BatchJob
from server.domain.prediction.batch_files import Chunk
from server.domain.prediction.batch_messages import BatchMessage, Progress
from server.domain.prediction.batch_messages import Result as BatchResultView
from server.domain.prediction.batch_records import BatchSpec
from server.errors import InvalidArgument
from server.mappers.common import append_floats, duration, timestamp

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
