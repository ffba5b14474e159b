"""The bridge reaches its server again within a second or two of the server's return, however long
it was away (gRPC's own reconnect backoff grows to two minutes)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from model_store.torchserve_config import free_port
from server.web.app import start_bridge
from tests.server.web.grpc_web import call

# gRPC's backoff from 1 s by 1.6 a time (jittered by a fifth) tries at about 1, 2.6, 5.2, 9.3 and
# 15.8 s of an outage, the fourth at 11.1 s at the latest and the fifth at 12.6 s at the earliest:
# 11 s away, its next try is 1.6 to 8 s after the server's return.
AWAY_SECONDS = 11.0
BACK_WITHIN_SECONDS = 2.0


async def check(http: aiohttp.ClientSession, bridge: str) -> int:
    reply = await call(http, bridge, "grpc.health.v1.Health/Check", health_pb2.HealthCheckRequest())
    return reply.status


@pytest.mark.slow
async def test_the_bridge_reaches_a_server_back_from_a_long_outage() -> None:
    port = free_port()
    running = await start_bridge(f"127.0.0.1:{port}")
    bridge = f"http://127.0.0.1:{running.port}"
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    try:
        async with aiohttp.ClientSession() as http:
            away_until = time.monotonic() + AWAY_SECONDS
            while time.monotonic() < away_until:  # calls keep the channel trying to connect
                assert await check(http, bridge) == grpc.StatusCode.UNAVAILABLE.value[0]
                await asyncio.sleep(0.5)
            server.add_insecure_port(f"127.0.0.1:{port}")
            await server.start()
            back = time.monotonic()
            while await check(http, bridge) != 0:
                assert time.monotonic() - back < BACK_WITHIN_SECONDS, "the bridge did not reconnect in time"
                await asyncio.sleep(0.1)
    finally:
        await asyncio.gather(running.close(), server.stop(None))
