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


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def running_time(job: BatchJob, now: datetime | None = None) -> float:
    """Time the job has run, over every stream of it: idle time between streams left out.

    ``started_at`` is when its running clock started, moved on by each resume so that it is as
    long before the resume as the job had run (batch_records.resume); ``finished_at`` is when
    its last stream ended, None while one is attached.
    """
    if job.started_at is None:
        return 0.0
    end = job.finished_at or now
    return max(((_utc(end) if end else datetime.now(UTC)) - _utc(job.started_at)).total_seconds(), 0.0)


def job_result(job: BatchJob, store: ModelStore) -> Result | None:
    """The result of ``job``, whose files are in ``store``; None until it has succeeded."""
    if job.state is not JobState.SUCCEEDED or not job.output_path:
        return None
    path = store.path(job.output_path)
    return Result(
        path,
        job.output_format,
        job.series_total * job.horizon,
        job.series_total,
        running_time(job),
        job.model_id,
        job.version_id or "",
        path.stat().st_size if path.exists() else 0,
    )
