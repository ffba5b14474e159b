"""Engine set-up per backend, sessions, and the programmatic Alembic configuration."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine, session_factory
from server.db.migrate import make_config
from tests.server.db import factories


def _pragma(engine: sa.Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_creates_the_parent_directory_and_sets_its_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        assert _pragma(engine, "foreign_keys") == 1
        assert _pragma(engine, "journal_mode") == "wal"
        assert _pragma(engine, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
        assert path.exists()
    finally:
        engine.dispose()


def test_the_sqlite_migration_engine_leaves_foreign_keys_to_the_final_check(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/m.db", for_migrations=True)
    try:
        assert _pragma(engine, "foreign_keys") == 0
    finally:
        engine.dispose()


def test_an_in_memory_sqlite_database_is_shared_by_threads() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (42)")
    seen: list[object] = []

    def read() -> None:
        with engine.connect() as connection:
            seen.append(connection.exec_driver_sql("SELECT x FROM t").scalar())

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    engine.dispose()

    assert seen == [42]


@pytest.mark.postgres
def test_postgres_connections_are_checked_before_use(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        assert engine.pool._pre_ping
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_objects_stay_readable_after_commit(engine: sa.Engine) -> None:
    with session_factory(engine)() as session:
        alice = factories.user(session)
        session.commit()
    engine.dispose()  # no database behind the object any more

    assert alice.username == "alice"


def test_the_alembic_configuration_keeps_percent_signs_in_the_url() -> None:
    url = "postgresql+psycopg2://quantis:p%40ss%25word@db:5432/quantis"

    assert make_config(url).get_main_option("sqlalchemy.url") == url
