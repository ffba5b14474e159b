"""Engines and sessions for the two supported databases.

SQLite (the embedded default) gets foreign keys switched on, WAL journalling so
readers do not block the writer, and a busy timeout so a second writer waits
instead of failing. PostgreSQL gets pre-ping, so connections dropped by a
database restart are replaced rather than handed out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000


def json_text(value: Any) -> str:
    """JSON columns' text, by orjson: the prediction history writes a few JSON values per
    forecast series, and the standard encoder cost more than the rest of storing the row.
    Non-finite floats become null (PostgreSQL's JSONB refuses NaN anyway)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_engine(url: str | sa.URL, *, for_migrations: bool = False) -> sa.Engine:
    """An engine for ``url``, configured for its backend.

    ``for_migrations`` gives a SQLite engine fit for Alembic's batch mode: foreign
    keys off (a table copy would otherwise cascade into its children, see
    ``server.db.migrate``) and BEGIN IMMEDIATE: a failed migration rolls back
    whole, and a second migrator waits for the first instead of failing.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, for_migrations=for_migrations)
    if for_migrations:
        return sa.create_engine(parsed, poolclass=NullPool, json_serializer=json_text)
    return sa.create_engine(parsed, pool_pre_ping=True, json_serializer=json_text)


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (no reload on access),
    so a repository can return them from a worker thread."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def in_memory(url: sa.URL) -> bool:
    """Whether ``url`` names an in-memory SQLite database (which no other process can open)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def sqlite_file(url: sa.URL) -> Path | None:
    """The file of a SQLite database named by path, its directory made; None for other
    databases, in-memory ones and SQLite URIs."""
    if url.get_backend_name() != "sqlite" or in_memory(url) or url.query.get("uri") == "true":
        return None
    path = Path(str(url.database)).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _sqlite_engine(url: sa.URL, *, for_migrations: bool) -> sa.Engine:
    memory = in_memory(url)
    sqlite_file(url)  # SQLite creates the file, not its directory
    kwargs: dict[str, Any] = {}
    if memory:
        # One shared connection, so every thread sees the same in-memory database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif for_migrations:
        kwargs.update(poolclass=NullPool)
    engine = sa.create_engine(url, json_serializer=json_text, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'OFF' if for_migrations else 'ON'}")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()
        if for_migrations:
            # Let SQLAlchemy, not the driver, decide where transactions begin.
            dbapi_connection.isolation_level = None

    if for_migrations:

        @event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
