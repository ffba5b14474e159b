"""Fixtures shared by the whole suite: real services, or a skip with a reason.

PostgreSQL and Redis are used for real. On a machine without them the suites that
need them skip with a one-line reason; with CI=true a missing service is a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from model_store.torchserve import TorchServeProcess, TorchServeUnavailable
from server.db.migrate import upgrade_to_head

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
    _postgres_admin(f'CREATE DATABASE "{name}"')
    _empty_postgres.add(name)
    try:
        yield postgres_database_url(name)
    finally:
        _empty_postgres.discard(name)
        _drop_postgres(name)


def postgres_database_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


# Migrating a database to head took 0.1-0.35 s a test. Each test process migrates one database
# of each kind once (`upgrade_to_head`, as the server does) and copies it for the tests whose
# database is new: the file on SQLite, a CREATE DATABASE ... TEMPLATE on PostgreSQL. The
# migrations themselves are tested in tests/server/db/test_migrations.py.
_empty_postgres: set[str] = set()  # made by fresh_postgres_database and not yet migrated
_templates: dict[str, str] = {}  # "sqlite": a migrated file; "postgresql": a migrated database


def migrated(url: str) -> str:
    """Bring the database at ``url`` to the schema's head, as ``upgrade_to_head`` does; one that
    a test has just made (a SQLite file not yet there, a database from fresh_postgres_database) is
    a copy of a migrated one instead. Returns ``url``."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        source = sqlite3.connect(_sqlite_template())
        with closing(source), closing(sqlite3.connect(parsed.database)) as copy:
            source.backup(copy)
    elif parsed.get_backend_name() == "postgresql" and parsed.database in _empty_postgres:
        _empty_postgres.discard(parsed.database)
        template = _postgres_template()
        try:
            _postgres_admin(f'DROP DATABASE "{parsed.database}"')
        except sa.exc.OperationalError:  # something of the test's is connected to it already
            upgrade_to_head(url)
        else:
            _postgres_admin(f'CREATE DATABASE "{parsed.database}" TEMPLATE "{template}"')
    else:
        upgrade_to_head(url)
    return url


def _sqlite_template() -> str:
    if "sqlite" not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="quantis-template-"))
        upgrade_to_head(f"sqlite:///{folder}/quantis.db")
        _templates["sqlite"] = str(folder / "quantis.db")
    return _templates["sqlite"]


def _postgres_template() -> str:
    if "postgresql" not in _templates:
        name = f"quantis_template_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        _postgres_admin(f'CREATE DATABASE "{name}"')
        _templates["postgresql"] = name  # dropped at the end of the session, migrated or not
        upgrade_to_head(postgres_database_url(name))  # its engine is disposed: nothing stays connected
    return _templates["postgresql"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remove this test process's migrated templates."""
    if "sqlite" in _templates:
        shutil.rmtree(Path(_templates.pop("sqlite")).parent, ignore_errors=True)
    if "postgresql" in _templates:
        _drop_postgres(_templates.pop("postgresql"))


def _drop_postgres(name: str) -> None:
    _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_admin(statement: str) -> None:
    """Run ``statement`` (CREATE or DROP DATABASE: no transaction) on the test cluster."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
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
