"""A BatchPredict job's row in the database, in ``batch_jobs``.

A new job is created with its checks (a dataset its owner can see, holding the model's
target column); a job to resume is loaded and checked again against what the new stream
asks for. Its ``series_done`` advances as chunks are saved, and it is marked succeeded
when its result file is written, or interrupted when its stream ends first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.enums import DatasetFormat, Frequency, JobState
from server.db.locks import lock_rows
from server.db.models import BatchJob, Dataset, Model
from server.domain.forecasting.models import owns, require, visible_dataset
from server.domain.prediction.batch_messages import running_time
from server.domain.prediction.routing import Resolved
from server.errors import FailedPrecondition, InvalidArgument, NotFound, PreconditionViolation


@dataclass(frozen=True)
class BatchSpec:
    dataset_id: str
    model_id: str
    version_id: str
    horizon: int
    quantiles: tuple[float, ...]
    chunk_size: int
    job_id: str
    offset: int
    output_format: DatasetFormat | None


class BatchJobRecords:
    def __init__(self, db: Any):
        self._db = db

    async def get(self, principal: Principal, job_id: str) -> BatchJob:
        def get(session: Session) -> BatchJob:
            job = session.get(BatchJob, require(job_id, "job_id"))
            if job is None or not owns(principal, job.owner_id):
                raise NotFound("batch job", job_id)
            session.expunge(job)
            return job

        return await self._db.run(get)  # type: ignore[no-any-return]

    async def exists(self, job_id: str) -> bool:
        """Whether the job's row is there (deleting its model or version deletes it)."""
        return await self._db.run(lambda s: s.get(BatchJob, job_id) is not None)  # type: ignore[no-any-return]

    async def target(self, model_id: str) -> str:
        """The model's target column, the one a dataset must hold as a value."""
        return await self._db.run(lambda s: _target(s, model_id))  # type: ignore[no-any-return]

    def target_sync(self, model_id: str) -> str:
        """``target`` for a caller already off the event loop."""
        return str(self._db.run_sync(lambda s: _target(s, model_id)))

    async def create(
        self,
        principal: Principal,
        spec: BatchSpec,
        resolved: Resolved,
        horizon: int,
        levels: tuple[float, ...],
        chunk: int,
    ) -> tuple[BatchJob, Dataset]:
        """A new running job over ``spec``'s dataset, which must hold the model's target column."""

        def create(session: Session) -> tuple[BatchJob, Dataset]:
            _lock_model(session, resolved)
            dataset = visible_dataset(session, principal, spec.dataset_id)
            target = next((c for c in dataset.columns if c.get("name") == resolved_target), None)
            if target is None or target.get("role") != "value":
                raise FailedPrecondition(
                    f"the dataset has no column {resolved_target!r}, the model's target",
                    reason="TARGET_COLUMN_MISSING",
                    violations=[PreconditionViolation("TARGET_COLUMN_MISSING", dataset.id, resolved_target)],
                )
            if dataset.frequency is not None:
                check_frequency(dataset.id, dataset.frequency.value, resolved.route.frequency)
            job = BatchJob(
                owner_id=principal.user_id,
                model_id=resolved.route.model_id,
                version_id=resolved.version.ref.version_id,
                dataset_id=dataset.id,
                state=JobState.RUNNING,
                horizon=horizon,
                quantiles=list(levels),
                series_done=0,
                series_total=int(dataset.series_count or 0),
                chunk_size=chunk,
                output_format=spec.output_format or DatasetFormat.PARQUET,
                started_at=datetime.now(UTC),
            )
            session.add(job)
            session.flush()
            session.expunge(job)
            session.expunge(dataset)
            return job, dataset

        resolved_target = await self.target(resolved.route.model_id)
        return await self._db.run(create)  # type: ignore[no-any-return]

    async def resume(self, principal: Principal, spec: BatchSpec) -> tuple[BatchJob, Dataset]:
        """The job ``spec.job_id``, running again unless it succeeded, if ``spec`` matches it.

        The dataset is None only for a succeeded job whose dataset was deleted since.
        """

        def load(session: Session) -> tuple[BatchJob, Dataset]:
            job = session.get(BatchJob, spec.job_id)
            if job is None or not owns(principal, job.owner_id):
                raise NotFound("batch job", spec.job_id)
            given = {
                "dataset_id": (spec.dataset_id, job.dataset_id),
                "model_id": (spec.model_id, job.model_id),
                "version_id": (spec.version_id, job.version_id),
                "horizon": (spec.horizon or None, job.horizon),
                "quantiles": (list(spec.quantiles) or None, job.quantiles),
                "chunk_size": (spec.chunk_size or None, job.chunk_size),
                "output_format": (spec.output_format, job.output_format),
            }
            for name, (asked, actual) in given.items():
                if asked and asked != actual:
                    raise FailedPrecondition(
                        f"{name} differs from the job's",
                        reason="BATCH_JOB_MISMATCH",
                        violations=[
                            PreconditionViolation(
                                "BATCH_JOB_MISMATCH", job.id, f"{name} must equal the job's"
                            )
                        ],
                    )
            if not 0 <= spec.offset <= job.series_total:
                raise InvalidArgument.field(
                    "offset", f"must be 0 to the job's series total ({job.series_total})"
                )
            if job.state is JobState.FAILED:
                raise FailedPrecondition(
                    f"batch job {job.id!r} failed: {job.error_message}",
                    reason="BATCH_JOB_FAILED",
                    violations=[PreconditionViolation("BATCH_JOB_FAILED", job.id, job.error_message)],
                )
            dataset = session.get(Dataset, job.dataset_id) if job.dataset_id else None
            if dataset is None and job.state is not JobState.SUCCEEDED:
                # Failed for good: returned, not raised, so that the transaction keeps it.
                job.state, job.error_message = JobState.FAILED, "the dataset was deleted"
            elif job.state is not JobState.SUCCEEDED:
                # Its running clock goes on from where its last stream left it (running_time).
                now = datetime.now(UTC)
                job.started_at = now - timedelta(seconds=running_time(job, _last_alive(job)))
                job.state, job.finished_at, job.heartbeat_at = JobState.RUNNING, None, now
            session.flush()
            session.expunge(job)
            if dataset is not None:
                session.expunge(dataset)
            return job, dataset  # type: ignore[return-value]

        job, dataset = await self._db.run(load)
        if job.state is JobState.FAILED:  # just now: a job found failed was refused in load
            raise FailedPrecondition(
                "the job's dataset was deleted",
                reason="BATCH_JOB_FAILED",
                violations=[PreconditionViolation("BATCH_JOB_FAILED", job.id, "dataset deleted")],
            )
        return job, dataset

    async def advance(self, job_id: str, done: int) -> None:
        """Record the first ``done`` series as saved; the count never moves back. NOT_FOUND when
        the job is gone (``running_job``)."""

        def advance(session: Session) -> None:
            job = running_job(session, job_id)
            if done > job.series_done:
                job.series_done = done
                job.heartbeat_at = datetime.now(UTC)

        await self._db.run(advance)

    async def interrupt(self, job_id: str, message: str) -> None:
        """Mark a running job cancelled, with ``message``: its stream ended before it finished."""

        def interrupt(session: Session) -> None:
            job = _locked(session, job_id)  # gone when its model was deleted meanwhile
            if job is not None and job.state is JobState.RUNNING:
                job.state = JobState.CANCELLED
                job.error_message = message
                job.finished_at = datetime.now(UTC)  # its running clock stops until it is resumed

        await self._db.run(interrupt)

    async def succeed(self, job_id: str, output: str) -> BatchJob:
        """Mark the job succeeded with its result file at ``output`` (relative to the store)."""

        def succeed(session: Session) -> BatchJob:
            job = running_job(session, job_id)
            job.state = JobState.SUCCEEDED
            job.output_path = output
            job.error_message = ""
            job.finished_at = datetime.now(UTC)
            session.flush()
            session.expunge(job)
            return job

        return await self._db.run(succeed)  # type: ignore[no-any-return]


def _locked(session: Session, job_id: str) -> BatchJob | None:
    """The job, locked until the transaction ends, so that it cannot go between being read and
    written (a read's row then matched by no UPDATE); None when it is gone."""
    return next(iter(lock_rows(session, sa.select(BatchJob).where(BatchJob.id == job_id))), None)


def running_job(session: Session, job_id: str) -> BatchJob:
    """The job, locked (``_locked``). NOT_FOUND when it is gone: deleting its model or its version
    deletes it, perhaps while its stream is running it."""
    job = _locked(session, job_id)
    if job is None:
        raise NotFound("batch job", job_id)
    return job


def check_frequency(dataset_id: str, frequency: str, model: Frequency | None) -> None:
    """Refuse a dataset on another grid than the model's, as Predict refuses such a series."""
    if model is not None and frequency != model.value:
        message = (
            f"dataset {dataset_id!r} is {frequency}, the model {model.value}: "
            "the dataset must have the model's frequency"
        )
        raise FailedPrecondition(
            message,
            reason="FREQUENCY_MISMATCH",
            violations=[PreconditionViolation("FREQUENCY_MISMATCH", dataset_id, message)],
        )


def _last_alive(job: BatchJob) -> datetime | None:
    """When a job still marked running was last seen running (its server stopped meanwhile, or
    another stream takes it over): the clock of a job whose stream ended stopped at finished_at."""
    return job.heartbeat_at or job.started_at


def _lock_model(session: Session, resolved: Resolved) -> None:
    """Hold the model a new job refers to until the job is stored (shared: jobs do not wait for
    each other; DeleteModel waits for them, and locks the model first as they do), NOT_FOUND
    when it is gone: the routing was read before, and a model deleted since would fail the
    job's insert on its foreign key."""
    model_id = resolved.route.model_id
    if not lock_rows(session, sa.select(Model).where(Model.id == model_id), shared=True):
        raise NotFound("model", model_id)


def _target(session: Session, model_id: str) -> str:
    model = session.get(Model, model_id)
    return model.target_column if model is not None else ""
