"""What a BatchPredict stream sends, as domain values: its progress, the chunks computed
(batch_files.Chunk) and, when every series is done, the result file (also what GetBatchJob
reports of a finished job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from server.db.enums import DatasetFormat, JobState
from server.db.models import BatchJob
from server.domain.prediction.batch_files import Chunk
from server.jobs.store import ModelStore


@dataclass(frozen=True)
class Progress:
    series_done: int
    series_total: int
    elapsed: float
    eta: float | None
    version_id: str
    start_offset: int


@dataclass(frozen=True)
class Result:
    output_path: Path
    format: DatasetFormat
    rows: int
    series_count: int
    duration: float
    model_id: str
    version_id: str
    size_bytes: int


BatchMessage = Progress | Chunk | Result


def since(job: BatchJob) -> float:
    """Time since the job started (its first stream)."""
    if job.started_at is None:
        return 0.0
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
    return max((datetime.now(UTC) - started).total_seconds(), 0.0)


def job_result(job: BatchJob, store: ModelStore) -> Result | None:
    """The result of ``job``, whose files are in ``store``; None until it has succeeded."""
    if job.state is not JobState.SUCCEEDED or not job.output_path:
        return None
    path = store.path(job.output_path)
    elapsed = (
        (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else 0.0
    )
    return Result(
        path,
        job.output_format,
        job.series_total * job.horizon,
        job.series_total,
        elapsed,
        job.model_id,
        job.version_id or "",
        path.stat().st_size if path.exists() else 0,
    )
