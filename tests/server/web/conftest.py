"""A real gRPC server (tests/server/conftest.py) with `quantis web`'s bridge in front of it on a
free port, and a plain HTTP client to speak gRPC-web to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from server.grpc_server import RunningServer
from server.settings import Settings
from server.web.app import start_bridge
from tests.server.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Quick WatchEvents heartbeats, so a stream's messages arrive within the test."""
    return make_settings(tmp_path, events_heartbeat_seconds=0.2)


@pytest.fixture
def dashboard(tmp_path: Path) -> Path:
    """The bridge's static directory; empty until a test writes a built dashboard into it."""
    return tmp_path / "dist"


@pytest.fixture
async def bridge(running_server: RunningServer, dashboard: Path) -> AsyncIterator[str]:
    """The bridge's base URL."""
    running = await start_bridge(f"127.0.0.1:{running_server.port}", static_dir=dashboard)
    try:
        yield f"http://127.0.0.1:{running.port}"
    finally:
        await running.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
