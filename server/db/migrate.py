"""Schema migrations, run from code: no alembic.ini, no working-directory assumptions.

The server calls `upgrade_to_head` at start-up. Replicas starting together on
PostgreSQL take turns (an advisory lock), so each migration runs once. To write
a new revision, change the models, then autogenerate against a database at head::

    from alembic import command
    from server.db.migrate import make_config
    command.revision(make_config(url), message="add x", autogenerate=True, rev_id="0002")

and read what it wrote before committing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from server.db.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_POSTGRES_LOCK_KEY = 0x5154_4D49_4752  # arbitrary, fixed: "QTMIGR"


class ForeignKeyViolationError(RuntimeError):
    """A SQLite migration left rows pointing at rows that do not exist."""


def make_config(url: str) -> Config:
    """An Alembic configuration for ``url`` built in memory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # The option parser treats "%" as interpolation; URL-escaped passwords have them.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def migration_connection(url: str) -> Iterator[sa.Connection]:
    """A connection inside one transaction, ready for Alembic.

    On SQLite, foreign keys are off while tables are rebuilt by batch operations
    and checked in full before commit. On PostgreSQL, an advisory lock held until
    commit serialises concurrent migrators.
    """
    engine = create_engine(url, for_migrations=True)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK_KEY})
            yield connection
            if connection.dialect.name == "sqlite":
                violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if violations:
                    raise ForeignKeyViolationError(
                        f"foreign key violations after migration: {violations[:10]}"
                    )
    finally:
        engine.dispose()


def upgrade_to_head(url: str) -> None:
    """Bring the database at ``url`` to the newest schema, creating it if empty."""
    upgrade(url, "head")


def upgrade(url: str, revision: str) -> None:
    """Bring the schema forward to ``revision``."""
    config = make_config(url)
    with migration_connection(url) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    """Step the schema back to ``revision`` ("base" drops everything)."""
    config = make_config(url)
    with migration_connection(url) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None when it has never been migrated."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(make_config("")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head
