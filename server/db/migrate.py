"""Schema migrations, run from code: no alembic.ini, no working-directory assumptions.

The server calls `upgrade_to_head` at start-up. Migrators starting together take
turns, so each migration runs once: an advisory lock on PostgreSQL, a file lock
beside the database on SQLite. To write a new revision, change the models, then
autogenerate against a database at head::

    from alembic import command
    from server.db.migrate import make_config
    command.revision(make_config(url), message="add x", autogenerate=True, rev_id="0005")

and read what it wrote before committing it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from server.db.engine import create_engine, sqlite_file

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
    with _sqlite_file_lock(url):
        engine = create_engine(url, for_migrations=True)
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK_KEY}
                    )
                yield connection
                if connection.dialect.name == "sqlite":
                    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if violations:
                        raise ForeignKeyViolationError(
                            f"foreign key violations after migration: {violations[:10]}"
                        )
        finally:
            engine.dispose()


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.migrate.lock`` while migrating a SQLite file.

    BEGIN IMMEDIATE alone does not serialise migrators on a new file: each
    connection first switches the file to WAL, and SQLite answers a journal-mode
    change made while another connection holds the write lock with "database is
    locked" at once, without waiting out the busy timeout. So the lock covers
    opening the connection too.
    """
    path = sqlite_file(sa.make_url(url))
    if path is None:
        yield
        return
    with open(path.with_name(path.name + ".migrate.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


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
