"""Which version answers a prediction: the pinned one, the traffic split, or the default.

The routing of a model (its owner, READY versions and deployment) is cached for a
short TTL so the hot path does not touch the database per request; a deploy takes
effect within the TTL. When the entry expires, the requests that find it so share one
load instead of each loading it: at 64 concurrent requests, one expiry was 64 loads
in the same few milliseconds.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.backends.base import VersionRef
from server.db.enums import Frequency, ModelType, ModelVersionState
from server.db.models import Deployment, Model, ModelVersion
from server.domain.forecasting.models import owns, require
from server.errors import FailedPrecondition, InvalidArgument, NotFound, PreconditionViolation
from server.jobs.store import ModelStore

DEEP_TYPES = frozenset({ModelType.LSTM, ModelType.TFT})


@dataclass(frozen=True)
class ServedVersion:
    ref: VersionRef
    validation_scale: float | None
    """The version's MASE scale on its validation window (mae / mase), when known."""


@dataclass(frozen=True)
class Route:
    model_id: str
    owner_id: str
    model_type: ModelType
    horizon: int
    quantiles: tuple[float, ...]
    frequency: Frequency | None
    versions: dict[str, ServedVersion]
    split: tuple[tuple[str, int], ...]
    default_version_id: str | None

    @property
    def deep(self) -> bool:
        return self.model_type in DEEP_TYPES

    @property
    def serving(self) -> tuple[str, ...]:
        """The versions the deployment answers with when none is pinned."""
        if any(percent > 0 for _, percent in self.split):
            return tuple(version_id for version_id, percent in self.split if percent > 0)
        return () if self.default_version_id is None else (self.default_version_id,)


@dataclass(frozen=True)
class Resolved:
    route: Route
    version: ServedVersion


def _scale(metrics: dict[str, Any]) -> float | None:
    validation = metrics.get("validation", metrics) if isinstance(metrics, dict) else {}
    try:
        mae, mase = float(validation["mae"]), float(validation["mase"])
    except (KeyError, TypeError, ValueError):
        return None
    return mae / mase if mase > 0 and mae == mae else None


class VersionRouter:
    def __init__(
        self,
        db: Any,
        store: ModelStore,
        ttl: float = 1.0,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._db = db
        self._store = store
        self._ttl = ttl
        self._rng = rng or random.Random()
        self._clock = clock
        self._cache: dict[str, tuple[float, Route | None]] = {}
        self._loading: dict[str, asyncio.Future[Route | None]] = {}

    def _load(self, session: Session, model_id: str) -> Route | None:
        model = session.get(Model, model_id)
        if model is None:
            return None
        versions = session.scalars(
            sa.select(ModelVersion).where(
                ModelVersion.model_id == model_id, ModelVersion.state == ModelVersionState.READY
            )
        ).all()
        served = {
            v.id: ServedVersion(
                VersionRef(
                    v.id,
                    self._store.path(v.artifact_path),
                    self._store.path(v.mar_path) if v.mar_path else None,
                ),
                _scale(v.metrics or {}),
            )
            for v in versions
        }
        rows = session.execute(
            sa.select(Deployment.version_id, Deployment.percent)
            .where(Deployment.model_id == model_id)
            .order_by(Deployment.version_id)
        ).all()
        return Route(
            model_id=model.id,
            owner_id=model.owner_id,
            model_type=model.model_type,
            horizon=model.horizon,
            quantiles=tuple(float(q) for q in model.quantiles or (0.1, 0.5, 0.9)),
            frequency=model.frequency,
            versions=served,
            split=tuple(
                (r.version_id, int(r.percent)) for r in rows if r.version_id in served and r.percent > 0
            ),
            default_version_id=model.default_version_id if model.default_version_id in served else None,
        )

    async def route(self, model_id: str, *, fresh: bool = False) -> Route | None:
        """The model's routing. An entry in the last quarter of its time to live is refreshed by
        one load behind the callers that find it, who are answered from it meanwhile: under
        steady traffic no request waits for the database (reloading a busy model's routing as
        it expired held up every request that arrived during the load). An expired entry waits
        for a load, so a change still takes effect within the time to live."""
        now = self._clock()
        if fresh:  # a load already under way may have started before what the caller looks for
            route: Route | None = await self._db.run(lambda s: self._load(s, model_id))
            self._cache[model_id] = (now + self._ttl, route)
            return route
        cached = self._cache.get(model_id)
        if cached is not None and now < cached[0]:
            if now >= cached[0] - self._ttl / 4:
                self._load_once(model_id, now)
            return cached[1]
        # Shielded: a caller that gives up does not cancel the load the others wait for.
        return await asyncio.shield(self._load_once(model_id, now))

    def _load_once(self, model_id: str, now: float) -> asyncio.Future[Route | None]:
        """The load of the model's routing under way, started if there is none."""
        loading = self._loading.get(model_id)
        if loading is None:
            loading = asyncio.ensure_future(self._db.run(lambda s: self._load(s, model_id)))
            self._loading[model_id] = loading
            loading.add_done_callback(lambda done: self._loaded(model_id, now, done))
        return loading

    def _loaded(self, model_id: str, started: float, loading: asyncio.Future[Route | None]) -> None:
        if self._loading.get(model_id) is not loading:
            return  # invalidated while loading: what it read may predate the change
        del self._loading[model_id]
        if not loading.cancelled() and loading.exception() is None:
            self._cache[model_id] = (started + self._ttl, loading.result())

    def cached(self, model_id: str) -> Route | None:
        """The model's routing as this process last read it, expired or not (None if never)."""
        cached = self._cache.get(model_id)
        return None if cached is None else cached[1]

    def invalidate(self, model_id: str | None = None) -> None:
        if model_id is None:
            self._cache.clear()
            self._loading.clear()
        else:
            self._cache.pop(model_id, None)
            self._loading.pop(model_id, None)

    async def resolve(self, principal: Principal, model_id: str, version_id: str = "") -> Resolved:
        route = await self.route(require(model_id, "model_id"))
        if route is None or not owns(principal, route.owner_id):
            raise NotFound("model", model_id)
        if version_id:
            served = route.versions.get(version_id)
            if served is None:  # perhaps trained since the routing was cached
                route = await self.route(model_id, fresh=True)
                if route is None or not owns(principal, route.owner_id):
                    raise NotFound("model", model_id)
                served = route.versions.get(version_id)
            if served is None:
                await self._db.run(lambda s: _explain_pinned(s, principal, model_id, version_id))
                raise NotFound("model version", version_id)
            return Resolved(route, served)
        return Resolved(route, route.versions[self.choose(route)])

    def choose(self, route: Route) -> str:
        total = sum(p for _, p in route.split)
        if total > 0:
            draw = self._rng.random() * total
            for version_id, percent in route.split:
                draw -= percent
                if draw < 0:
                    return version_id
            return route.split[-1][0]
        if route.default_version_id is not None:
            return route.default_version_id
        raise FailedPrecondition(
            f"model {route.model_id!r} has no deployed version",
            reason="NO_DEPLOYED_VERSION",
            violations=[
                PreconditionViolation(
                    "NO_DEPLOYED_VERSION", route.model_id, "deploy a READY version of the model first"
                )
            ],
        )


def _explain_pinned(session: Session, principal: Principal, model_id: str, version_id: str) -> None:
    version = session.get(ModelVersion, version_id)
    if version is None:
        return
    if version.model_id != model_id:
        other = session.get(Model, version.model_id)
        if other is not None and owns(principal, other.owner_id):
            raise InvalidArgument.field("version_id", "is a version of another model")
        return  # NOT_FOUND, as for no version at all: nothing of another user's model is told
    if version.state is not ModelVersionState.READY:
        raise FailedPrecondition(
            f"model version {version_id!r} is {version.state.value}, not ready",
            reason="VERSION_NOT_READY",
            violations=[PreconditionViolation("VERSION_NOT_READY", version_id, "pin a READY version")],
        )
