"""Layers for server tests: settings -> migrated database -> application -> a real
in-process gRPC server on a free port -> a real channel to it."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from server.composition import Application, build_application
from server.grpc_server import RunningServer, create_server
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from server.settings import Environment, Settings
from tests.conftest import migrated

# Tests make many calls from one address; rate limiting has tests of its own.
GENEROUS_LIMITS = {"rate_limit_auth_burst": 10_000, "rate_limit_default_burst": 10_000}
# The history process of an in-process application shares the test session's CPUs with the other
# test worker: under SCHED_IDLE a flush could wait for them. A test of its own checks the policy,
# and `quantis serve` in the end-to-end tests (a session of its own) runs with the default.
SCHEDULING = {"history_idle": False}
# argon2id at its lowest cost: the suite registers and logs in a few thousand times, each about
# 0.1 s of CPU at the server's default cost, which has tests of its own (tests/server/domain).
CHEAP_PASSWORD_HASHES = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8,
    "password_hash_parallelism": 1,
}


def make_settings(
    data_dir: Path, database_url: str = "", redis_url: str = "", **overrides: object
) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        redis_key_prefix=f"quantis-test:{uuid.uuid4().hex[:8]}:",
        jwt_secret="test-secret-" + uuid.uuid4().hex,
        **{**GENEROUS_LIMITS, **SCHEDULING, **CHEAP_PASSWORD_HASHES, **overrides},  # type: ignore[arg-type]
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The embedded defaults: SQLite in a temporary directory, in-memory state."""
    return make_settings(tmp_path)


@pytest.fixture(params=["embedded", "postgres+redis"])
def backing_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Once on the embedded defaults and once on PostgreSQL with Redis."""
    if request.param == "embedded":
        return make_settings(tmp_path)
    postgres_url = request.getfixturevalue("postgres_url")
    return make_settings(tmp_path, postgres_url, request.getfixturevalue("redis_url"))


@pytest.fixture
async def application(settings: Settings) -> AsyncIterator[Application]:
    migrated(settings.resolved_database_url)
    built = await build_application(settings)
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def servicers(application: Application) -> Servicers:
    """The servicers under test; a test module overrides this to swap a layer."""
    return application.servicers


def replace_servicers(application: Application, **layers: object) -> Servicers:
    return dataclasses.replace(application.servicers, **layers)  # type: ignore[arg-type]


@pytest.fixture
def interceptors(application: Application) -> list[WrappingInterceptor]:
    """The security layers; tests of the layers beneath them override this with []."""
    return application.interceptors


@pytest.fixture
async def running_server(
    application: Application, servicers: Servicers, interceptors: list[WrappingInterceptor]
) -> AsyncIterator[RunningServer]:
    running = await create_server(
        servicers,
        interceptors=interceptors,
        metrics=application.metrics,
        tracer=application.tracer,
        port=0,
    )
    try:
        yield running
    finally:
        await running.stop(0)


@pytest.fixture
async def channel(running_server: RunningServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running_server.port}") as channel:
        yield channel
