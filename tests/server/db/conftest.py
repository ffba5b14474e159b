"""A database migrated to head (SQLite and PostgreSQL), an engine and a session on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.engine import create_engine, session_factory
from server.db.migrate import upgrade_to_head


@pytest.fixture
def migrated_url(database_url: str) -> str:
    upgrade_to_head(database_url)
    return database_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(migrated_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session
