"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import server.db.models  # noqa: F401  (registers every table)
from server.db.base import Base
from server.db.engine import create_engine
from server.db.migrate import (
    current_revision,
    downgrade,
    head_revision,
    migration_connection,
    upgrade_to_head,
)


def _schema_diff(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_an_empty_database_migrates_to_head(database_url: str) -> None:
    assert current_revision(database_url) is None

    upgrade_to_head(database_url)

    assert current_revision(database_url) == head_revision() == "0005"
    assert _tables(database_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrading_at_head_changes_nothing(migrated_url: str) -> None:
    upgrade_to_head(migrated_url)

    assert current_revision(migrated_url) == head_revision()


def test_the_migrated_schema_matches_the_models(migrated_url: str) -> None:
    assert _schema_diff(migrated_url) == []


def test_the_comparison_notices_a_missing_index(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_predictions_version_id_created_at"))
    engine.dispose()

    assert [diff[0] for diff in _schema_diff(migrated_url)] == ["add_index"]


def test_downgrade_to_base_then_upgrade_again(migrated_url: str) -> None:
    downgrade(migrated_url, "base")

    assert current_revision(migrated_url) is None
    assert _tables(migrated_url) == {"alembic_version"}

    upgrade_to_head(migrated_url)

    assert current_revision(migrated_url) == head_revision()
    assert _schema_diff(migrated_url) == []


def test_concurrent_migrators_take_turns(database_url: str) -> None:
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade_to_head(database_url)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert current_revision(database_url) == head_revision()


def test_a_migrator_waits_for_one_in_progress(database_url: str) -> None:
    # On a new SQLite file the second migrator's switch to WAL meets the first's
    # write lock; it must wait for the first, not fail with "database is locked".
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade_to_head(database_url)
        except BaseException as exc:  # reported below
            errors.append(exc)

    second = threading.Thread(target=migrate)
    with migration_connection(database_url) as connection:
        connection.execute(sa.text("CREATE TABLE in_progress (id INTEGER)"))
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive() and errors == []
    second.join()

    assert errors == []
    assert current_revision(database_url) == head_revision()
