"""Fixtures shared by the whole suite: real services, or a skip with a reason.

PostgreSQL and Redis are used for real. On a machine without them the suites that
need them skip with a one-line reason; with CI=true a missing service is a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from model_store.torchserve import TorchServeProcess, TorchServeUnavailable

POSTGRES_URL = os.environ.get(
    "QUANTIS_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("QUANTIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parents[1]


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


def missing(reason: str) -> NoReturn:
    """Skip a test for something this machine lacks; with CI=true, fail it instead."""
    if IN_CI:
        pytest.fail(f"{reason}, and CI=true forbids skipping", pytrace=False)
    pytest.skip(reason)


def require_service(name: str, url: str) -> None:
    """Skip (or, in CI, fail) when a service the test needs does not answer."""
    if not _reachable(url):
        missing(f"{name} is not reachable at {urlsplit(url).netloc}")


def require_java() -> None:
    if shutil.which("java") is None:
        missing("java is missing (TorchServe needs Java 17)")


def start_torchserve(process: TorchServeProcess) -> None:
    """Start ``process``; without Java skip, but fail where Java is there or CI=true forbids skipping."""
    require_java()
    try:
        process.start()
    except TorchServeUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@contextmanager
def building_in_checkout() -> Iterator[None]:
    """Held while a test builds into the checkout (clients/js/dist, clients/web/dist).

    `make test` runs the suite in several pytest-xdist workers; two workers running tsc into
    the same folder at once could leave one of them reading the other's half-written files.
    """
    lock = ROOT / "var" / "build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{tmp_path}/quantis.db"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped on leaving (for fixtures of any scope)."""
    require_service("PostgreSQL", POSTGRES_URL)
    name = f"quantis_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return str(request.getfixturevalue("postgres_url"))
    return str(request.getfixturevalue("sqlite_url"))


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", REDIS_URL)
    return REDIS_URL
