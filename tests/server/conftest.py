"""A real in-process gRPC server on a free port, and a real channel to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from server.app import RunningServer, Servicers, build_servicers, create_server


@pytest.fixture
def servicers() -> Servicers:
    """The servicers under test; override in a test module to swap a layer."""
    return build_servicers()


@pytest.fixture
async def running_server(servicers: Servicers) -> AsyncIterator[RunningServer]:
    running = await create_server(servicers, port=0)
    try:
        yield running
    finally:
        await running.stop(0)


@pytest.fixture
async def channel(running_server: RunningServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running_server.port}") as channel:
        yield channel
