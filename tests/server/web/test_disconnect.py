"""A browser that goes away (a closed tab) cancels its gRPC call at once, not when the bridge
next fails to write to it; a bridge that goes away ends its streams so clients reconnect."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from quantis.v1 import monitoring_service_pb2

from server.composition import Application
from server.grpc_server import RunningServer
from server.settings import Settings
from server.web.app import start_bridge
from tests.server.auth_helpers import user_token
from tests.server.conftest import make_settings
from tests.server.web.grpc_web import BINARY, call, frame


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No heartbeat within the test after the first: nothing is written that could reveal the
    disconnect."""
    return make_settings(tmp_path, events_heartbeat_seconds=600)


async def streams_open(application: Application, count: int) -> bool:
    for _ in range(200):  # 10 s
        if application.metrics.open_streams == count:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_disconnect_cancels_an_idle_stream(
    bridge: str, http: aiohttp.ClientSession, application: Application
) -> None:
    token = await user_token(application, "web_leaves")

    async def watch() -> None:
        async with http.post(
            f"{bridge}/quantis.v1.MonitoringService/WatchEvents",
            data=frame(monitoring_service_pb2.WatchEventsRequest()),
            headers={"content-type": BINARY, "authorization": f"Bearer {token}"},
        ) as response:
            await response.content.read()  # the first heartbeat, then nothing until the stream ends

    watching = asyncio.create_task(watch())
    assert await streams_open(application, 1)
    watching.cancel()  # the client drops its connection
    with pytest.raises(asyncio.CancelledError):
        await watching
    assert await streams_open(application, 0)


async def test_closing_the_bridge_ends_open_streams_unavailable(
    running_server: RunningServer, http: aiohttp.ClientSession, application: Application, tmp_path: Path
) -> None:
    running = await start_bridge(f"127.0.0.1:{running_server.port}", static_dir=tmp_path, grace=0.5)
    token = await user_token(application, "web_stays")
    watching = asyncio.create_task(
        call(
            http,
            f"http://127.0.0.1:{running.port}",
            "quantis.v1.MonitoringService/WatchEvents",
            monitoring_service_pb2.WatchEventsRequest(),
            headers={"authorization": f"Bearer {token}"},
        )
    )
    assert await streams_open(application, 1)
    started = time.monotonic()
    await running.close()
    assert time.monotonic() - started < 5  # not the HTTP server's minute-long wait for handlers
    reply = await watching
    assert reply.status == 14 and "shutting down" in reply.message
    assert await streams_open(application, 0)
