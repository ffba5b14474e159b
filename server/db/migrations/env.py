"""Alembic environment: runs revisions on a connection handed over by
`server.db.migrate`, or on one opened from the configured URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

import server.db.models  # noqa: F401  (registers every table on Base.metadata)
from server.db.base import Base
from server.db.migrate import migration_connection

config = context.config
target_metadata = Base.metadata


def _run_on(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL for review instead of running it (`alembic upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, sa.Connection):
        _run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: build the configuration with server.db.migrate.make_config")
    with migration_connection(url) as opened:
        _run_on(opened)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
