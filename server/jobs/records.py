"""A training job's row as workers and runners change it: claim, progress, final states.

Every state change is a conditional update, so a cancelled job is never
overwritten by a worker that has not noticed yet, and a job is claimed once.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.enums import JobState, NotificationKind
from server.db.models import Notification, TrainingJob
from server.domain.monitoring.notifications import notification_event

FINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


def now() -> datetime:
    return datetime.now(UTC)


def finite(value: float | None) -> float | None:
    """JSON-safe number: NaN and infinities (which PostgreSQL's JSON refuses) become None."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def progress(state: JobState, message: str = "", **fields: Any) -> dict[str, Any]:
    """A progress snapshot as stored in training_jobs.progress and published as an event."""
    snapshot: dict[str, Any] = {
        "state": state.value,
        "epoch": 0,
        "total_epochs": 0,
        "train_loss": None,
        "validation_loss": None,
        "metrics": {},
        "eta_seconds": None,
        "message": message,
        "trial": 0,
        "total_trials": 0,
        "fraction_complete": 1.0 if state is JobState.SUCCEEDED else 0.0,
    }
    snapshot.update(fields)
    snapshot["update_time"] = now().isoformat()
    return snapshot


def event(job_id: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"job_id": job_id, **snapshot}


def state_change(job: TrainingJob, snapshot: dict[str, Any], version_id: str = "") -> dict[str, Any]:
    """The event of the job entering ``snapshot``'s state. It names the job's owner, so it goes to
    the owner's live stream too (server.jobs.publish.deliveries), which progress events do not."""
    return {
        **event(job.id, snapshot),
        "owner_id": job.owner_id,
        "model_id": job.model_id,
        "version_id": version_id,
    }


def queued(session: Session, job_id: str) -> dict[str, Any] | None:
    """The state change of a job just queued; None when it is gone or no longer queued."""
    job = session.get(TrainingJob, job_id)
    if job is None or job.state is not JobState.QUEUED:
        return None
    return state_change(job, dict(job.progress) if job.progress else progress(JobState.QUEUED))


def requeue(session: Session, job_id: str, message: str) -> dict[str, Any] | None:
    """RUNNING -> QUEUED with ``message``; the state change, or None when the job was not running."""
    job = session.get(TrainingJob, job_id)
    if job is None or job.state is not JobState.RUNNING:
        return None
    snapshot = progress(JobState.QUEUED, message)
    job.state, job.worker, job.progress = JobState.QUEUED, "", snapshot
    return state_change(job, snapshot)


def snapshot_of(job: TrainingJob) -> dict[str, Any]:
    """The job's latest progress with its current state (the row is the truth)."""
    base = dict(job.progress) if job.progress else progress(job.state)
    if base.get("state") != job.state.value:
        base = {**base, "state": job.state.value}
        if job.state is JobState.FAILED and job.error_message:
            base["message"] = job.error_message
        base["update_time"] = (job.finished_at or job.updated_at or now()).isoformat()
    return event(job.id, base)


def claim(session: Session, job_id: str, worker: str) -> TrainingJob | None:
    """QUEUED -> RUNNING for ``worker``; None when the job is gone or no longer queued."""
    at = now()
    started = progress(JobState.RUNNING, "starting")
    result = session.execute(
        sa.update(TrainingJob)
        .where(TrainingJob.id == job_id, TrainingJob.state == JobState.QUEUED)
        .values(
            state=JobState.RUNNING,
            worker=worker,
            started_at=at,
            heartbeat_at=at,
            progress=started,
            error_message="",
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(TrainingJob, job_id, populate_existing=True)


def record_progress(session: Session, job_id: str, snapshot: dict[str, Any]) -> None:
    session.execute(
        sa.update(TrainingJob)
        .where(TrainingJob.id == job_id, TrainingJob.state == JobState.RUNNING)
        .values(progress=snapshot, heartbeat_at=now())
        .execution_options(synchronize_session=False)
    )


def heartbeat(session: Session, job_id: str, write: bool) -> bool:
    """Whether the job should stop (cancelled, ended or deleted); refresh its heartbeat if ``write``."""
    row = session.execute(
        sa.select(TrainingJob.state, TrainingJob.cancel_requested).where(TrainingJob.id == job_id)
    ).first()
    if row is None or row.cancel_requested or row.state is not JobState.RUNNING:
        return True
    if write:
        session.execute(
            sa.update(TrainingJob)
            .where(TrainingJob.id == job_id)
            .values(heartbeat_at=now())
            .execution_options(synchronize_session=False)
        )
    return False


def fail(session: Session, job_id: str, message: str) -> dict[str, Any] | None:
    """Mark a queued or running job FAILED with ``message``; its final snapshot, or None if it had ended."""
    job = session.get(TrainingJob, job_id)
    if job is None or job.state in FINAL_STATES:
        return None
    previous = dict(job.progress or {})
    snapshot = progress(
        JobState.FAILED,
        message,
        **{
            k: previous[k]
            for k in ("epoch", "total_epochs", "train_loss", "validation_loss")
            if k in previous
        },
    )
    job.state = JobState.FAILED
    job.error_message = message
    job.finished_at = now()
    job.progress = snapshot
    return finished(session, job, snapshot)


def cancel(session: Session, job: TrainingJob, message: str = "cancelled") -> dict[str, Any]:
    """Mark an active job CANCELLED now; a running worker sees cancel_requested and stops."""
    snapshot = progress(
        JobState.CANCELLED,
        message,
        **{k: job.progress[k] for k in ("epoch", "total_epochs") if k in (job.progress or {})},
    )
    job.state = JobState.CANCELLED
    job.cancel_requested = True
    job.finished_at = now()
    job.progress = snapshot
    return finished(session, job, snapshot)


def finished(
    session: Session, job: TrainingJob, snapshot: dict[str, Any], version_id: str = ""
) -> dict[str, Any]:
    """The final event of a job, carrying the owner's notification, which is stored here, in the
    same transaction as the final state, so every ending is notified exactly once."""
    notification = Notification(
        owner_id=job.owner_id,
        kind=NotificationKind.TRAINING_JOB_FINISHED,
        title=f"Training job {snapshot['state']}",
        body=str(snapshot.get("message", "")),
        resource_type="training_job",
        resource_id=job.id,
    )
    session.add(notification)
    session.flush()
    return {**state_change(job, snapshot, version_id), "notification": notification_event(notification)}


def requeue_stale(session: Session, stale_before: datetime) -> tuple[list[dict[str, Any]], list[str]]:
    """RUNNING jobs whose worker stopped reporting go back to QUEUED: those state changes, and
    every queued job id."""
    stale = session.scalars(
        sa.select(TrainingJob.id).where(
            TrainingJob.state == JobState.RUNNING,
            sa.or_(TrainingJob.heartbeat_at.is_(None), TrainingJob.heartbeat_at < stale_before),
        )
    ).all()
    message = "queued again: its worker stopped reporting"
    changes = [change for job_id in stale if (change := requeue(session, job_id, message)) is not None]
    queued_ids = session.scalars(
        sa.select(TrainingJob.id)
        .where(TrainingJob.state == JobState.QUEUED)
        .order_by(TrainingJob.created_at, TrainingJob.id)
    ).all()
    return changes, list(queued_ids)


def fail_stale(session: Session, stale_before: datetime, skip: set[str]) -> list[dict[str, Any]]:
    """RUNNING jobs whose worker stopped reporting become FAILED; their final snapshots."""
    stale = session.scalars(
        sa.select(TrainingJob).where(
            TrainingJob.state == JobState.RUNNING, TrainingJob.heartbeat_at < stale_before
        )
    ).all()
    events = []
    for job in stale:
        if job.id in skip:
            continue
        message = f"worker {job.worker or 'unknown'} stopped reporting; it is taken for lost"
        snapshot = fail(session, job.id, message)
        if snapshot is not None:
            events.append(snapshot)
    return events
