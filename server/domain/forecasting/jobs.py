"""Training jobs: enqueue (one active job per model), read, list, cancel and watch."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.enums import JobState, ModelType
from server.db.models import Dataset, Model, TrainingJob
from server.domain import filters
from server.domain.forecasting.models import locked_model, owns, require
from server.domain.forecasting.specs import check_horizon, check_hyperparameters, type_spec
from server.domain.forecasting.train_spec import TrainSpec, check_history, search_config
from server.domain.pagination import PageRequest, paginate, split_page
from server.errors import FailedPrecondition, InvalidArgument, NotFound, PreconditionViolation
from server.jobs import records
from server.jobs.publish import channel, deliveries
from server.jobs.runner import JobRunner
from server.state.events import EventBus

MAX_VALIDATION_WINDOWS = 10
MAX_EPOCHS = 1000
KEEPALIVE_SECONDS = 30.0
RECHECK_SECONDS = 5.0
JOB_STATE_NAMES = {f"TRAINING_JOB_STATE_{s.name}": s for s in JobState}


@dataclass(frozen=True)
class JobQuery:
    model_id: str = ""
    states: tuple[JobState, ...] = ()
    filter: str = ""
    ascending: bool = False


@dataclass(frozen=True)
class JobView:
    job: TrainingJob
    version_id: str
    model_type: ModelType


def visible_job(session: Session, principal: Principal, job_id: str) -> TrainingJob:
    job = session.get(TrainingJob, require(job_id, "job_id"))
    if job is None or not owns(principal, job.owner_id):
        raise NotFound("training job", job_id)
    return job


def job_view(session: Session, job: TrainingJob) -> JobView:
    model_type = session.scalar(sa.select(Model.model_type).where(Model.id == job.model_id))
    return JobView(job, job.version.id if job.version is not None else "", model_type or ModelType.LSTM)


class TrainingJobs:
    def __init__(self, db: Any, runner: JobRunner, bus: EventBus, max_horizon: int):
        self._db = db
        self._runner = runner
        self._bus = bus
        self._max_horizon = max_horizon

    async def train(self, principal: Principal, model_id: str, spec: TrainSpec) -> JobView:
        if not 0 <= spec.validation_windows <= MAX_VALIDATION_WINDOWS:
            raise InvalidArgument.field(
                "validation_windows", f"must be between 0 and {MAX_VALIDATION_WINDOWS}"
            )
        if not 0 <= spec.max_epochs <= MAX_EPOCHS:
            raise InvalidArgument.field("max_epochs", f"must be between 0 and {MAX_EPOCHS}")
        windows = spec.validation_windows or 1

        def enqueue(session: Session) -> JobView:
            # One TrainModel of a model at a time, and the model not deleted under it.
            model = locked_model(session, principal, model_id)
            overrides = check_hyperparameters(model.model_type, spec.overrides, "hyperparameter_overrides")
            given = {k: overrides[k] for k in spec.overrides}
            hyperparameters = {**model.hyperparameters, **given}
            deep = type_spec(model.model_type).deep
            # Not the random module's: a training run in this process seeds it (training.trainer).
            seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
            if deep:
                if not 0 <= seed < 2**31:
                    raise InvalidArgument.field("seed", "must be between 0 and 2147483647")
                hyperparameters["seed"] = seed
                if spec.max_epochs:
                    hyperparameters["max_epochs"] = spec.max_epochs
            search = search_config(spec.search, model, given) if spec.search is not None else None
            dataset = session.get(Dataset, model.dataset_id) if model.dataset_id else None
            if dataset is None:
                raise FailedPrecondition(
                    "the model's dataset has been deleted; create a model on another dataset",
                    reason="DATASET_DELETED",
                    violations=[PreconditionViolation("DATASET", f"models/{model.id}", "dataset deleted")],
                )
            check_horizon(model.horizon, self._max_horizon, dataset, windows, field="validation_windows")
            check_history(model, dataset, hyperparameters, given, windows, search)
            active = session.scalars(
                sa.select(TrainingJob)
                .where(TrainingJob.model_id == model.id, TrainingJob.state.in_(records.ACTIVE_STATES))
                .order_by(TrainingJob.created_at)
            ).first()
            if active is not None:
                raise FailedPrecondition(
                    f"model {model.id} already has an active training job {active.id}",
                    reason="TRAINING_JOB_ACTIVE",
                    metadata={"job_id": active.id},
                    violations=[
                        PreconditionViolation(
                            "TRAINING_JOB_ACTIVE", f"training_jobs/{active.id}", "still active"
                        )
                    ],
                )
            job = TrainingJob(
                model_id=model.id,
                owner_id=principal.user_id,
                state=JobState.QUEUED,
                config={
                    "hyperparameters": hyperparameters,
                    "overrides": given,
                    "seed": seed,
                    "validation_windows": windows,
                    "max_epochs": int(hyperparameters.get("max_epochs", 0)) if deep else 0,
                    "search": search,
                },
                progress=records.progress(JobState.QUEUED, "waiting for a worker"),
            )
            session.add(job)
            session.flush()
            return JobView(job, "", model.model_type)

        created: JobView = await self._db.run(enqueue)
        await self._runner.submit(created.job.id)
        return created

    async def get(self, principal: Principal, job_id: str) -> JobView:
        return await self._db.run(lambda s: job_view(s, visible_job(s, principal, job_id)))  # type: ignore[no-any-return]

    async def list_jobs(
        self, principal: Principal, query: JobQuery, page: PageRequest
    ) -> tuple[list[JobView], str, int]:
        where = filters.conditions(
            query.filter,
            {
                "model_id": filters.equals(TrainingJob.model_id),
                "state": filters.enum(TrainingJob.state, JOB_STATE_NAMES),
                "worker": filters.equals(TrainingJob.worker),
                "create_time": filters.time(TrainingJob.created_at),
            },
        )
        if not principal.is_admin:
            where.append(TrainingJob.owner_id == principal.user_id)
        if query.model_id:
            where.append(TrainingJob.model_id == query.model_id)
        if query.states:
            where.append(TrainingJob.state.in_(query.states))

        def run(session: Session) -> tuple[list[JobView], str, int]:
            total = session.scalar(sa.select(sa.func.count()).select_from(TrainingJob).where(*where)) or 0
            select = sa.select(TrainingJob).where(*where)
            rows = session.scalars(paginate(select, TrainingJob, page, ascending=query.ascending)).all()
            items, token = split_page(rows, page)
            return [job_view(session, j) for j in items], token, int(total)

        return await self._db.run(run)  # type: ignore[no-any-return]

    async def cancel(self, principal: Principal, job_id: str) -> JobView:
        def cancel(session: Session) -> tuple[JobView, dict[str, Any]]:
            job = visible_job(session, principal, job_id)
            session.refresh(job, with_for_update=True)
            if job.state in records.FINAL_STATES:
                raise FailedPrecondition(
                    f"training job {job.id} has already ended ({job.state.value})",
                    reason="TRAINING_JOB_ENDED",
                    metadata={"state": job.state.value},
                )
            event = records.cancel(session, job)
            return job_view(session, job), event

        result, event = await self._db.run(cancel)
        for name, payload in deliveries(event):
            await self._bus.publish(name, payload)
        return result  # type: ignore[no-any-return]

    async def watch(self, principal: Principal, job_id: str) -> AsyncIterator[dict[str, Any]]:
        """The job's snapshot now, then every change, ending after a final state (see the contract)."""
        await self._db.run(lambda s: visible_job(s, principal, job_id))
        async with self._bus.subscribe(channel(job_id)) as events:
            current = await self._snapshot(job_id)
            yield current
            sent_at = time.monotonic()
            pending: asyncio.Future[dict[str, Any]] | None = None
            try:
                while current["state"] not in _FINAL:
                    if pending is None:
                        pending = asyncio.ensure_future(anext(events))
                    done, _ = await asyncio.wait({pending}, timeout=RECHECK_SECONDS)
                    if done:
                        incoming, pending = pending.result(), None
                    else:  # quiet: re-read the database, in case an event was missed
                        incoming = await self._snapshot(job_id)
                        quiet = _key(incoming) == _key(current)
                        if quiet and time.monotonic() - sent_at < KEEPALIVE_SECONDS:
                            continue
                    if incoming["state"] not in _FINAL and str(incoming.get("update_time", "")) < str(
                        current.get("update_time", "")
                    ):
                        continue  # older than what the watcher already has
                    current = incoming
                    yield current
                    sent_at = time.monotonic()
            finally:
                if pending is not None:
                    pending.cancel()

    async def _snapshot(self, job_id: str) -> dict[str, Any]:
        def read(session: Session) -> dict[str, Any]:
            job = session.get(TrainingJob, job_id)
            if job is None:  # deleted with its model while watched
                return records.event(job_id, records.progress(JobState.CANCELLED, "the model was deleted"))
            return records.snapshot_of(job)

        return await self._db.run(read)  # type: ignore[no-any-return]


_FINAL = {s.value for s in records.FINAL_STATES}


def _key(snapshot: dict[str, Any]) -> tuple[Any, ...]:
    return (snapshot.get("state"), snapshot.get("epoch"), snapshot.get("update_time"))
