"""System statistics: uptime, per-RPC traffic and latency, process load, resource counts."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import psutil
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.database import Database
from server.db.models import Dataset, Model, Prediction, User
from server.observability.metrics import RpcMetrics, RpcSummary


@dataclass(frozen=True)
class Snapshot:
    instance: str
    started_at: datetime
    uptime_seconds: float
    rpcs: list[RpcSummary]
    active_streams: int
    cpu_percent: float
    resident_bytes: int
    counts: dict[str, int]


class SystemStats:
    def __init__(self, db: Database, metrics: RpcMetrics):
        self._db = db
        self._metrics = metrics
        self._process = psutil.Process(os.getpid())
        self._process.cpu_percent(None)  # the first reading starts the measurement interval
        self._started = time.monotonic()
        self._started_at = datetime.now(UTC)
        self._instance = f"{socket.gethostname()}:{os.getpid()}"

    async def snapshot(self) -> Snapshot:
        def count(session: Session) -> dict[str, int]:
            tables = {"users": User, "datasets": Dataset, "models": Model, "predictions": Prediction}
            return {
                name: session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                for name, t in tables.items()
            }

        return Snapshot(
            instance=self._instance,
            started_at=self._started_at,
            uptime_seconds=time.monotonic() - self._started,
            rpcs=self._metrics.summaries(),
            active_streams=self._metrics.open_streams,
            cpu_percent=self._process.cpu_percent(None),
            resident_bytes=self._process.memory_info().rss,
            counts=await self._db.run(count),
        )
