"""Models: create (checked against the type's specs and the dataset), list, get and delete."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.enums import Frequency, ModelType
from server.db.locks import lock_rows
from server.db.models import BatchJob, Dataset, Deployment, Model, ModelVersion, TrainingJob
from server.domain import filters
from server.domain.forecasting.specs import (
    ModelSpec,
    check_horizon,
    check_hyperparameters,
    check_quantiles,
    check_text,
    frequency_of,
    target_of,
)
from server.domain.forecasting.train_spec import check_lookback
from server.domain.pagination import PageRequest, paginate, split_page
from server.domain.search_terms import contains, search_text
from server.errors import InvalidArgument, NotFound
from server.jobs import records
from server.jobs.publish import DEPLOYMENTS
from server.jobs.store import ModelStore
from server.state.events import EventBus

Publish = Callable[[dict[str, Any] | None], Awaitable[None]]
MODEL_TYPE_NAMES = {f"MODEL_TYPE_{t.name}": t for t in ModelType}


@dataclass(frozen=True)
class ModelView:
    model: Model
    deployments: list[Deployment]
    latest_version: int


@dataclass(frozen=True)
class ModelQuery:
    type: ModelType | None = None
    dataset_id: str = ""
    name_contains: str = ""
    filter: str = ""
    ascending: bool = False


def require(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument.field(field, "is required")
    return value


def owns(principal: Principal, owner_id: str) -> bool:
    return principal.is_admin or owner_id == principal.user_id


def visible_model(session: Session, principal: Principal, model_id: str, field: str = "model_id") -> Model:
    model = session.get(Model, require(model_id, field))
    if model is None or not owns(principal, model.owner_id):
        raise NotFound("model", model_id)
    return model


def locked_model(session: Session, principal: Principal, model_id: str, field: str = "model_id") -> Model:
    """The model, read once its row is locked until the transaction ends (SELECT ... FOR UPDATE
    on PostgreSQL, the write lock on SQLite): what is read stays true until the writes commit,
    and the model cannot be deleted meanwhile. NotFound if it is gone by then."""
    require(model_id, field)
    model = next(iter(lock_rows(session, sa.select(Model).where(Model.id == model_id))), None)
    if model is None or not owns(principal, model.owner_id):
        raise NotFound("model", model_id)
    return model


def visible_dataset(session: Session, principal: Principal, dataset_id: str) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not owns(principal, dataset.owner_id):
        raise NotFound("dataset", dataset_id)
    return dataset


def locked_dataset(session: Session, principal: Principal, dataset_id: str) -> Dataset:
    """The dataset, read once its row is share-locked until the transaction ends (the write
    lock on SQLite), so it cannot be deleted before what refers to it is written."""
    query = sa.select(Dataset).where(Dataset.id == dataset_id)
    dataset = next(iter(lock_rows(session, query, shared=True)), None)
    if dataset is None or not owns(principal, dataset.owner_id):
        raise NotFound("dataset", dataset_id)
    return dataset


def deployments_of(session: Session, model: Model) -> list[Deployment]:
    rows = session.scalars(sa.select(Deployment).where(Deployment.model_id == model.id)).all()
    # The primary (default) version first, then the rest by share.
    return sorted(rows, key=lambda d: (d.version_id != model.default_version_id, -d.percent, d.version_id))


def view(session: Session, model: Model) -> ModelView:
    latest = session.scalar(
        sa.select(sa.func.max(ModelVersion.number)).where(ModelVersion.model_id == model.id)
    )
    return ModelView(model, deployments_of(session, model), int(latest or 0))


class ModelCatalog:
    def __init__(
        self, db: Any, store: ModelStore, max_horizon: int, publish: Publish, bus: EventBus | None = None
    ):
        self._db = db
        self._store = store
        self._max_horizon = max_horizon
        self._publish = publish
        self._bus = bus  # a deletion is announced on DEPLOYMENTS: every process stops serving it

    async def create(self, principal: Principal, spec: ModelSpec) -> ModelView:
        check_text(spec)
        assert spec.type is not None
        model_type = spec.type

        def create(session: Session) -> ModelView:
            dataset = locked_dataset(session, principal, spec.dataset_id)
            target = target_of(spec, dataset)
            check_horizon(spec.horizon, self._max_horizon, dataset)
            frequency: Frequency = frequency_of(spec, dataset)
            quantiles = check_quantiles(spec.quantiles, model_type)
            hyperparameters = check_hyperparameters(model_type, spec.hyperparameters, "hyperparameters")
            check_lookback(model_type, spec.horizon, frequency, dataset, hyperparameters)
            model = Model(
                owner_id=principal.user_id,
                name=spec.name.strip(),
                description=spec.description,
                model_type=model_type,
                dataset_id=dataset.id,
                target_column=target,
                horizon=spec.horizon,
                frequency=frequency,
                quantiles=quantiles,
                hyperparameters=hyperparameters,
                labels=dict(spec.labels),
            )
            session.add(model)
            session.flush()
            return ModelView(model, [], 0)

        return await self._db.run(create)  # type: ignore[no-any-return]

    async def get(self, principal: Principal, model_id: str) -> ModelView:
        return await self._db.run(lambda s: view(s, visible_model(s, principal, model_id)))  # type: ignore[no-any-return]

    async def list_models(
        self, principal: Principal, query: ModelQuery, page: PageRequest
    ) -> tuple[list[ModelView], str, int]:
        where = filters.conditions(
            query.filter,
            {
                "name": filters.contains(Model.name),
                "type": filters.enum(Model.model_type, MODEL_TYPE_NAMES),
                "dataset_id": filters.equals(Model.dataset_id),
                "create_time": filters.time(Model.created_at),
            },
            maps={"labels": Model.labels},
        )
        if not principal.is_admin:
            where.append(Model.owner_id == principal.user_id)
        if query.type is not None:
            where.append(Model.model_type == query.type)
        if query.dataset_id:
            where.append(Model.dataset_id == query.dataset_id)
        if query.name_contains:
            try:
                where.append(contains(Model.name, search_text(query.name_contains)))
            except ValueError as exc:
                raise InvalidArgument.field("name_contains", str(exc)) from exc

        def run(session: Session) -> tuple[list[ModelView], str, int]:
            total = session.scalar(sa.select(sa.func.count()).select_from(Model).where(*where)) or 0
            rows = session.scalars(
                paginate(sa.select(Model).where(*where), Model, page, ascending=query.ascending)
            ).all()
            items, token = split_page(rows, page)
            return [view(session, m) for m in items], token, int(total)

        return await self._db.run(run)  # type: ignore[no-any-return]

    async def delete(self, principal: Principal, model_id: str) -> None:
        """Cancel the model's active jobs, delete it (versions, deployment, training and batch jobs
        cascade) and its files and its batch jobs'."""

        def delete(session: Session) -> tuple[list[dict[str, Any]], list[str]]:
            active_jobs = sa.select(TrainingJob).where(
                TrainingJob.model_id == require(model_id, "model_id"),
                TrainingJob.state.in_(records.ACTIVE_STATES),
            )
            # The active jobs locked before the model, the order a finishing job takes them in
            # (server.jobs.versions); then read again: a TrainModel the model's lock waited for
            # may have added one.
            lock_rows(session, active_jobs)
            model = locked_model(session, principal, model_id)
            active = session.scalars(active_jobs.execution_options(populate_existing=True)).all()
            events = [records.cancel(session, job, "cancelled: the model was deleted") for job in active]
            batch_jobs = list(session.scalars(sa.select(BatchJob.id).where(BatchJob.model_id == model_id)))
            model.default_version_id = None
            session.flush()
            session.delete(model)
            return events, batch_jobs

        events, batch_jobs = await self._db.run(delete)
        for event in events:
            await self._publish(event)
        if self._bus is not None:  # each serving process reads its routing again: no model
            await self._bus.publish(DEPLOYMENTS, {"model_id": model_id})
        await asyncio.to_thread(self._store.delete_model, model_id, batch_jobs)
