"""The serving runtime of one process: backend, batcher, router, history writer.

A deployed version is loaded into the backend when the server starts (``warm_deployed``) and
when a deployment or a training job announces it on the event bus (``follow``; every serving
process hears it), behind the caller, so that its first request does not wait for the load:
reading a network's artifact, starting the worker process of a statistical model (seconds),
registering an archive with TorchServe (seconds). A load that fails is logged; the version's
first request loads it again. The versions a model answered with in this process and no longer
answers with (another deployed, the model deleted) are unloaded then, so that the backend
(TorchServe's workers and model store above all) does not keep every version ever served; and a
version no deployment serves (pinned by its callers, or loaded again by a request routed just
before a redeploy) is unloaded once it has had no pass for a while (``unload_idle``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa

from server.backends.base import ForecastBackend
from server.backends.batcher import DynamicBatcher
from server.db.database import Database
from server.db.models import Deployment
from server.domain.prediction.batch import BatchPredictions
from server.domain.prediction.records import PredictionRecords
from server.domain.prediction.routing import Route, VersionRouter
from server.domain.prediction.service import Predictor
from server.domain.prediction.writer import HistoryWriter
from server.jobs.publish import DEPLOYMENTS
from server.state.events import EventBus

log = logging.getLogger(__name__)


@dataclass
class PredictionRuntime:
    backend: ForecastBackend
    batcher: DynamicBatcher
    router: VersionRouter
    history: HistoryWriter
    predictor: Predictor
    records: PredictionRecords
    batches: BatchPredictions
    _warming: set[asyncio.Task[None]] = field(default_factory=set)
    _following: asyncio.Task[None] | None = None
    _sweeping: asyncio.Task[None] | None = None
    _one_load: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    _replaced: dict[str, Route] = field(default_factory=dict)
    """The routing of an announced model before the announcement, until its warm unloads what
    that answered with and the new one does not."""

    def follow(self, bus: EventBus) -> None:
        """``warm`` each model announced on DEPLOYMENTS from now on (subscribing again a second
        after the bus fails, as Redis does while it restarts)."""

        async def listen() -> None:
            while True:
                try:
                    async with bus.subscribe(DEPLOYMENTS) as events:
                        async for event in events:
                            if isinstance(event.get("model_id"), str) and event["model_id"]:
                                # At once, not after the warm's read: a deleted model is not
                                # answered from the routing this process held.
                                held = self.router.cached(event["model_id"])
                                if held is not None:
                                    self._replaced.setdefault(event["model_id"], held)
                                self.router.invalidate(event["model_id"])
                                self.warm(event["model_id"])
                except Exception:
                    log.warning("lost the deployment announcements; subscribing again", exc_info=True)
                    await asyncio.sleep(1.0)

        if self._following is not None:  # one bus at a time
            self._following.cancel()
        self._following = asyncio.get_running_loop().create_task(listen())

    def warm(self, model_id: str) -> None:
        """Load the versions ``model_id``'s deployment answers with, behind the caller, then unload
        those its routing before an announcement answered with and it does not. Its routing is read
        afresh, so that a deployment also takes effect in this process at once."""
        task = asyncio.get_running_loop().create_task(self._warm(model_id))
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def _warm(self, model_id: str) -> None:
        try:
            route = await self.router.route(model_id, fresh=True)
        except Exception:  # what it answered with is unloaded after its next announcement
            log.warning("could not read the routing of model %s", model_id, exc_info=True)
            return
        held = self._replaced.pop(model_id, None)
        try:
            if route is not None:
                async with self._one_load:  # at start every deployed model at once: one after another
                    for version_id in route.serving:
                        await self.backend.load(route.versions[version_id].ref)
        except Exception:
            log.warning(
                "could not load the deployed versions of model %s ahead of requests", model_id, exc_info=True
            )
        await self._unload(held, route)

    async def _unload(self, held: Route | None, route: Route | None) -> None:
        """Unload the versions ``held`` answered with that ``route`` does not (all, for a model
        deleted: its pinned versions too)."""
        if held is None:
            return
        gone = held.versions if route is None else set(held.serving) - set(route.serving)
        for version_id in gone:
            self.batcher.forget(version_id)
            try:
                await self.backend.unload(version_id)
            except Exception:
                log.warning("could not unload model version %s", version_id, exc_info=True)

    def unload_idle(self, db: Database, seconds: float) -> None:
        """From now on, unload each version that has had no pass for ``seconds`` and that no
        deployment serves (not on a shared backend, nor with ``seconds`` 0)."""
        if seconds <= 0 or self.backend.shared:
            return
        deployed = sa.select(Deployment.version_id).where(Deployment.percent > 0)

        async def sweep() -> None:
            while True:
                await asyncio.sleep(min(seconds / 2, 60.0))
                idle = set(self.batcher.idle_versions(seconds))
                try:
                    if idle:
                        idle -= set(await db.run(lambda session: session.scalars(deployed).all()))
                except Exception:  # the database is down: tried again at the next sweep
                    log.warning("could not read the deployed versions", exc_info=True)
                    continue
                for version_id in idle:
                    # Forgotten first: a pass while it unloads (it loads again) is followed afresh.
                    self.batcher.forget(version_id)
                    try:
                        await self.backend.unload(version_id)
                    except Exception:  # a TorchServe down forgets its registrations anyway
                        log.warning("could not unload idle model version %s", version_id, exc_info=True)
                    else:
                        log.info("unloaded model version %s: idle and not deployed", version_id)

        self._sweeping = asyncio.get_running_loop().create_task(sweep())

    async def warm_deployed(self, db: Database) -> None:
        """``warm`` every model with a deployment (at start)."""
        query = sa.select(Deployment.model_id).where(Deployment.percent > 0).distinct()
        for model_id in await db.run(lambda session: session.scalars(query).all()):
            self.warm(model_id)

    async def warmed(self) -> None:
        """Wait for the loads under way."""
        while self._warming:
            await asyncio.gather(*self._warming, return_exceptions=True)

    async def close(self) -> None:
        """Stop the loads under way, store the history and failures still queued, then release
        the backend."""
        for task in (self._following, self._sweeping):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for task in list(self._warming):
            task.cancel()
        await self.warmed()
        await self.history.close()
        await self.predictor.failures.close()
        await self.backend.close()
