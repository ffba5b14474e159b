"""Graceful shutdown: calls in flight finish, new calls are refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from quantis.v1 import monitoring_service_pb2 as pb
from quantis.v1 import monitoring_service_pb2_grpc as pb_grpc

from server.composition import Application
from server.grpc_server import RunningServer
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from tests.server.conftest import replace_servicers


class SlowMonitoring(pb_grpc.MonitoringServiceServicer):
    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def GetSystemStats(
        self, request: pb.GetSystemStatsRequest, context: object
    ) -> pb.GetSystemStatsResponse:
        self.started.set()
        await asyncio.sleep(0.5)
        return pb.GetSystemStatsResponse(instance="draining")

    async def WatchEvents(
        self, request: pb.WatchEventsRequest, context: object
    ) -> AsyncIterator[pb.WatchEventsResponse]:
        for _ in range(5):
            self.started.set()
            await asyncio.sleep(0.1)
            yield pb.WatchEventsResponse()


@pytest.fixture
def interceptors() -> list[WrappingInterceptor]:
    """Error mapping is tested without the security layers in front of it."""
    return []


@pytest.fixture
def servicers(application: Application) -> Servicers:
    return replace_servicers(application, monitoring=SlowMonitoring())


async def test_unary_call_in_flight_completes(
    running_server: RunningServer, channel: grpc.aio.Channel, servicers: Servicers
) -> None:
    stub = pb_grpc.MonitoringServiceStub(channel)
    call = stub.GetSystemStats(pb.GetSystemStatsRequest())
    await servicers.monitoring.started.wait()  # type: ignore[attr-defined]
    stopping = asyncio.create_task(running_server.stop(grace=5))
    response = await call
    await stopping
    assert response.instance == "draining"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetSystemStats(pb.GetSystemStatsRequest(), timeout=2)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_stream_in_flight_is_drained(
    running_server: RunningServer, channel: grpc.aio.Channel, servicers: Servicers
) -> None:
    stream = pb_grpc.MonitoringServiceStub(channel).WatchEvents(pb.WatchEventsRequest())
    first = await stream.read()
    assert first is not grpc.aio.EOF
    stopping = asyncio.create_task(running_server.stop(grace=5))
    rest = []
    while (response := await stream.read()) is not grpc.aio.EOF:
        rest.append(response)
    await stopping
    assert len(rest) == 4
