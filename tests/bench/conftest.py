"""The database fixtures of tests/server/db, for the benchmark's history row."""

from tests.server.db.conftest import engine, migrated_url, session  # noqa: F401 (fixtures)
