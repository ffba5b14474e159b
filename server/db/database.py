"""Run blocking database work off the event loop, one transaction per unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from opentelemetry import trace
from sqlalchemy.orm import Session

from server.db.engine import create_engine, session_factory
from server.db.outages import is_nul_in_text
from server.errors import InvalidArgument

T = TypeVar("T")
# The reason of the InvalidArgument for text PostgreSQL cannot hold (server.interceptors.errors).
NUL_IN_TEXT = "TEXT_HAS_NUL"


class Database:
    """An engine and its sessions. ``run(fn)`` calls ``fn(session)`` in a worker
    thread inside a transaction that commits when fn returns and rolls back if it
    raises; the event loop only waits. Each ``run`` is one client span, a child of
    the span of the call it serves."""

    def __init__(self, engine: sa.Engine, tracer: trace.Tracer | None = None):
        self.engine = engine
        self._sessions = session_factory(engine)
        self._tracer = tracer or trace.NoOpTracer()

    @classmethod
    def connect(cls, url: str, tracer: trace.Tracer | None = None) -> Database:
        return cls(create_engine(url), tracer)

    def run_sync(self, fn: Callable[[Session], T]) -> T:
        try:
            with self._sessions.begin() as session:
                return fn(session)
        except (ValueError, sqlalchemy.exc.StatementError) as exc:
            if is_nul_in_text(exc):  # the caller's text: the error interceptor names the field
                raise InvalidArgument(
                    "text with a NUL character cannot be stored or looked up", reason=NUL_IN_TEXT
                ) from exc
            raise

    async def run(self, fn: Callable[[Session], T]) -> T:
        attributes = {
            "db.system.name": self.engine.dialect.name,
            "code.function.name": getattr(fn, "__qualname__", type(fn).__qualname__),
        }
        with self._tracer.start_as_current_span(
            "db.transaction", kind=trace.SpanKind.CLIENT, attributes=attributes
        ):
            return await asyncio.to_thread(self.run_sync, fn)

    def dispose(self) -> None:
        self.engine.dispose()
