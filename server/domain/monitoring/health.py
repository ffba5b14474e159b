"""Component health: each check timed, bounded by a timeout, and reported with a message."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from redis.asyncio import Redis

from server.backends.base import ForecastBackend
from server.db.database import Database

CHECK_TIMEOUT_SECONDS = 2.0
LOW_DISK_BYTES = 1 << 30
CRITICAL_DISK_BYTES = 100 << 20


class Status(StrEnum):
    SERVING = "serving"
    DEGRADED = "degraded"
    NOT_SERVING = "not_serving"


class Kind(StrEnum):
    DATABASE = "database"
    CACHE = "cache"
    INFERENCE_BACKEND = "inference_backend"
    MODEL_VERSION = "model_version"
    JOB_WORKERS = "job_workers"
    DISK = "disk"


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    kind: Kind
    status: Status
    latency_seconds: float
    message: str
    checked_at: datetime


# A check returns its status and a message; it may raise, which counts as NOT_SERVING.
Check = Callable[[], Awaitable[tuple[Status, str]]]


@dataclass(frozen=True)
class NamedCheck:
    name: str
    kind: Kind
    check: Check


class HealthService:
    """Runs every registered check concurrently; overall status is the worst of them."""

    def __init__(self, checks: list[NamedCheck], timeout_seconds: float = CHECK_TIMEOUT_SECONDS):
        self._checks = list(checks)
        self._timeout = timeout_seconds

    def register(self, check: NamedCheck) -> None:
        self._checks.append(check)

    async def check(self) -> tuple[Status, list[ComponentHealth]]:
        components = await asyncio.gather(*(self._run(named) for named in self._checks))
        order = [Status.SERVING, Status.DEGRADED, Status.NOT_SERVING]
        worst = max((c.status for c in components), key=order.index, default=Status.SERVING)
        return worst, list(components)

    async def _run(self, named: NamedCheck) -> ComponentHealth:
        started = time.perf_counter()
        try:
            status, message = await asyncio.wait_for(named.check(), self._timeout)
        except TimeoutError:
            status, message = Status.NOT_SERVING, f"no answer within {self._timeout:g} s"
        except Exception as error:
            status, message = Status.NOT_SERVING, f"{type(error).__name__}: {error}"[:500]
        latency = time.perf_counter() - started
        return ComponentHealth(named.name, named.kind, status, latency, message, datetime.now(UTC))


def database_check(db: Database) -> Check:
    async def check() -> tuple[Status, str]:
        await db.run(lambda session: session.execute(sa.text("SELECT 1")).scalar_one())
        return Status.SERVING, db.engine.dialect.name

    return check


def redis_check(redis: Redis | None) -> Check:
    async def check() -> tuple[Status, str]:
        if redis is None:
            return Status.SERVING, "in-memory (single process)"
        await redis.ping()
        return Status.SERVING, "redis"

    return check


def backend_check(backend: ForecastBackend) -> Check:
    """The inference backend answers (TorchServe: its gRPC Ping); an outage raises, so NOT_SERVING."""

    async def check() -> tuple[Status, str]:
        return Status.SERVING, await backend.ping()

    return check


def disk_check(path: Path) -> Check:
    async def check() -> tuple[Status, str]:
        usage = await asyncio.to_thread(shutil.disk_usage, path)
        message = f"{usage.free / (1 << 30):.1f} GiB free of {usage.total / (1 << 30):.1f} GiB"
        if usage.free < CRITICAL_DISK_BYTES:
            return Status.NOT_SERVING, message
        return (Status.DEGRADED if usage.free < LOW_DISK_BYTES else Status.SERVING), message

    return check
