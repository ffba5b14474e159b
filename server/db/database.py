"""Run blocking database work off the event loop, one transaction per unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.engine import create_engine, session_factory

T = TypeVar("T")


class Database:
    """An engine and its sessions. ``run(fn)`` calls ``fn(session)`` in a worker
    thread inside a transaction that commits when fn returns and rolls back if it
    raises; the event loop only waits."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._sessions = session_factory(engine)

    @classmethod
    def connect(cls, url: str) -> Database:
        return cls(create_engine(url))

    def run_sync(self, fn: Callable[[Session], T]) -> T:
        with self._sessions.begin() as session:
            return fn(session)

    async def run(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(self.run_sync, fn)

    def dispose(self) -> None:
        self.engine.dispose()
