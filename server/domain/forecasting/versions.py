"""Model versions and deployment: list, read, and which versions serve (one, or a canary split)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.enums import ModelType, ModelVersionState
from server.db.models import Deployment, Model, ModelVersion
from server.domain import filters
from server.domain.forecasting.models import deployments_of, locked_model, owns, require, visible_model
from server.domain.pagination import PageRequest, paginate, split_page
from server.errors import FailedPrecondition, InvalidArgument, NotFound, PreconditionViolation
from server.jobs import records
from server.jobs.publish import DEPLOYMENTS
from server.state.events import EventBus

log = logging.getLogger(__name__)

VERSION_STATE_NAMES = {f"MODEL_VERSION_STATE_{s.name}": s for s in ModelVersionState}


@dataclass(frozen=True)
class VersionView:
    version: ModelVersion
    traffic_percent: int
    model_type: ModelType


@dataclass(frozen=True)
class DeploymentView:
    model_id: str
    splits: list[tuple[str, int]]
    update_time: datetime | None
    updated_by: str


@dataclass(frozen=True)
class VersionQuery:
    state: ModelVersionState | None = None
    filter: str = ""
    ascending: bool = False


def visible_version(
    session: Session, principal: Principal, version_id: str, field: str = "version_id"
) -> ModelVersion:
    version = session.get(ModelVersion, require(version_id, field))
    if version is None or not owns(principal, version.model.owner_id):
        raise NotFound("model version", version_id)
    return version


def traffic(session: Session, model_id: str) -> dict[str, int]:
    rows = session.execute(
        sa.select(Deployment.version_id, Deployment.percent).where(Deployment.model_id == model_id)
    ).all()
    return {row.version_id: int(row.percent) for row in rows}


def deployment_view(model: Model, rows: list[Deployment]) -> DeploymentView | None:
    if not rows:
        return None
    latest = max(rows, key=lambda d: d.updated_at)
    return DeploymentView(
        model.id, [(d.version_id, d.percent) for d in rows], latest.updated_at, latest.updated_by or ""
    )


class ModelVersions:
    def __init__(self, db: Any, bus: EventBus | None = None):
        self._db = db
        self._bus = bus  # each deployment is announced on DEPLOYMENTS

    async def get(self, principal: Principal, version_id: str) -> VersionView:
        def get(session: Session) -> VersionView:
            version = visible_version(session, principal, version_id)
            return VersionView(
                version, traffic(session, version.model_id).get(version.id, 0), version.model.model_type
            )

        return await self._db.run(get)  # type: ignore[no-any-return]

    async def list_versions(
        self, principal: Principal, model_id: str, query: VersionQuery, page: PageRequest
    ) -> tuple[list[VersionView], str, int]:
        deployed_ids = sa.select(Deployment.version_id).where(Deployment.model_id == model_id)

        inside = ModelVersion.id.in_(deployed_ids)
        where = filters.conditions(
            query.filter,
            {
                "state": filters.enum(ModelVersion.state, VERSION_STATE_NAMES),
                "deployed": lambda term: inside if filters.truth(term) else sa.not_(inside),
                "create_time": filters.time(ModelVersion.created_at),
            },
        )
        where.append(ModelVersion.model_id == model_id)
        if query.state is not None:
            where.append(ModelVersion.state == query.state)

        def run(session: Session) -> tuple[list[VersionView], str, int]:
            model = visible_model(session, principal, model_id)
            total = session.scalar(sa.select(sa.func.count()).select_from(ModelVersion).where(*where)) or 0
            select = sa.select(ModelVersion).where(*where)
            rows = session.scalars(paginate(select, ModelVersion, page, ascending=query.ascending)).all()
            items, token = split_page(rows, page)
            shares = traffic(session, model_id)
            return [VersionView(v, shares.get(v.id, 0), model.model_type) for v in items], token, int(total)

        return await self._db.run(run)  # type: ignore[no-any-return]

    async def deploy(
        self, principal: Principal, model_id: str, version_id: str, splits: list[tuple[str, int]]
    ) -> DeploymentView:
        if version_id and splits:
            raise InvalidArgument.field("splits", "set either version_id or splits, not both")
        if not version_id and not splits:
            raise InvalidArgument.field("version_id", "set version_id or splits")
        wanted: list[tuple[str, int]] = [(version_id, 100)] if version_id else list(splits)
        fields = ["version_id"] if version_id else [f"splits[{i}].version_id" for i in range(len(splits))]
        if len(wanted) > 2:
            raise InvalidArgument.field("splits", "a split has one or two versions")
        for index, (vid, percent) in enumerate(wanted):
            if not vid:
                raise InvalidArgument.field(fields[index], "is required")
            if splits and not 1 <= percent <= 100:
                raise InvalidArgument.field(f"splits[{index}].percent", "must be between 1 and 100")
        if len({vid for vid, _ in wanted}) != len(wanted):
            raise InvalidArgument.field("splits[1].version_id", "must differ from splits[0].version_id")
        if sum(p for _, p in wanted) != 100:
            raise InvalidArgument.field("splits", "the percentages must sum to 100")

        def deploy(session: Session) -> DeploymentView:
            # Locked before anything is read: concurrent deployments of one model, and its
            # deletion, wait for this one, so its writes rest on what it read.
            model = locked_model(session, principal, model_id)
            for index, (vid, _) in enumerate(wanted):
                version = session.get(ModelVersion, vid)
                if version is None or not owns(principal, version.model.owner_id):
                    raise NotFound("model version", vid)
                if version.model_id != model.id:
                    raise InvalidArgument.field(fields[index], f"is not a version of model {model.id}")
                if version.state is not ModelVersionState.READY:
                    raise FailedPrecondition(
                        f"version {vid} is {version.state.value}; only READY versions can be deployed",
                        reason="MODEL_VERSION_NOT_READY",
                        violations=[
                            PreconditionViolation("VERSION_STATE", f"model_versions/{vid}", "not READY")
                        ],
                    )
            session.execute(sa.delete(Deployment).where(Deployment.model_id == model.id))
            at = records.now()
            for vid, percent in wanted:
                session.add(
                    Deployment(
                        model_id=model.id,
                        version_id=vid,
                        percent=percent,
                        updated_by=principal.user_id,
                        created_at=at,
                        updated_at=at,
                    )
                )
            model.default_version_id = wanted[0][0]
            model.updated_at = at
            session.flush()
            result = deployment_view(model, deployments_of(session, model))
            assert result is not None
            return result

        deployed: DeploymentView = await self._db.run(deploy)
        if self._bus is not None:
            try:
                await self._bus.publish(DEPLOYMENTS, {"model_id": model_id})
            except Exception:  # the deployment stands; its versions load with their first request
                log.warning("could not announce the deployment of model %s", model_id, exc_info=True)
        return deployed
