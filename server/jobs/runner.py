"""Where training jobs run: a local process pool beside the server, or Celery workers.

Both runners share the bookkeeping: on start, RUNNING jobs whose worker stopped
reporting go back to QUEUED and every QUEUED job is submitted again (a job lives
in the database, so it survives a restart); while the server runs, a RUNNING job
whose heartbeat goes stale is marked FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any, Protocol

from server.db.database import Database
from server.jobs import records
from server.jobs.publish import deliveries
from server.jobs.training import WorkerConfig
from server.state.events import EventBus

log = logging.getLogger("server.jobs")


class JobRunner(Protocol):
    async def start(self) -> None: ...

    async def submit(self, job_id: str) -> None:
        """Run a job just queued, announcing it as queued (its first state change)."""
        ...

    async def stop(self) -> None: ...


class RunnerBase:
    def __init__(self, db: Database, bus: EventBus, config: WorkerConfig, stale_seconds: float):
        self._db = db
        self._bus = bus
        self._config = config
        self._stale = timedelta(seconds=stale_seconds)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        stale_before = records.now() - self._stale
        changes, queued = await self._db.run(lambda s: records.requeue_stale(s, stale_before))
        for change in changes:
            await self.announce(change)
        for job_id in queued:
            await self._enqueue(job_id)
        self._tasks.append(asyncio.create_task(self._sweep()))

    async def submit(self, job_id: str) -> None:
        # Announced before a worker can see the job, so QUEUED reaches watchers before RUNNING.
        await self.announce(await self._db.run(partial(records.queued, job_id=job_id)))
        await self._enqueue(job_id)

    async def _enqueue(self, job_id: str) -> None:
        """Hand a queued job to a worker (announced already, or not a change of state)."""
        raise NotImplementedError

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def publish(self, event: dict[str, Any] | None) -> None:
        for name, payload in deliveries(event) if event is not None else ():
            await self._bus.publish(name, payload)

    async def announce(self, event: dict[str, Any] | None) -> None:
        """Publish a state change the database already holds: a lost event must not stop the job."""
        try:
            await self.publish(event)
        except Exception:
            log.warning("could not publish a training job's state change", exc_info=True)

    async def fail(self, job_id: str, message: str) -> None:
        await self.publish(await self._db.run(partial(records.fail, job_id=job_id, message=message)))

    def _skip_stale(self) -> set[str]:
        return set()

    async def _sweep(self) -> None:
        interval = max(self._stale.total_seconds() / 4, 1.0)
        while True:
            await asyncio.sleep(interval)
            try:
                stale_before = records.now() - self._stale
                skip = self._skip_stale()
                for event in await self._db.run(
                    partial(records.fail_stale, stale_before=stale_before, skip=skip)
                ):
                    await self.publish(event)
            except Exception:
                log.warning("stale job sweep failed", exc_info=True)


class CeleryJobRunner(RunnerBase):
    """Sends each job to Celery workers (``quantis worker``) through the broker."""

    def __init__(
        self, db: Database, bus: EventBus, config: WorkerConfig, stale_seconds: float, broker: str, queue: str
    ):
        super().__init__(db, bus, config, stale_seconds)
        from server.jobs.celery_app import create_celery

        self._celery = create_celery(broker, queue)

    async def _enqueue(self, job_id: str) -> None:
        from server.jobs.celery_app import TASK_NAME

        await asyncio.to_thread(self._celery.send_task, TASK_NAME, args=[job_id])

    async def stop(self) -> None:
        await super().stop()
        await asyncio.to_thread(self._celery.close)
