"""Idempotent calls are retried by gRPC itself (service config) on UNAVAILABLE; others are not.

The flaky servicer runs inside the real server (request context and error mapping included,
the security layers left out): gRPC retries only calls that have not received response
headers (gRFC A6), so this also checks that the server commits no call before it answers.
"""

from __future__ import annotations

import asyncio

import grpc
import pytest
import quantis
from google.type import money_pb2
from quantis import errors
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc as pb_grpc

from server.composition import Application
from server.servicers import Servicers
from tests.server.conftest import replace_servicers


class FlakyFinancial(pb_grpc.FinancialServiceServicer):
    """Answers UNAVAILABLE to the first call of each method, then succeeds."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    async def _once_unavailable(self, method: str, context: grpc.aio.ServicerContext) -> None:
        self.calls[method] = self.calls.get(method, 0) + 1
        if self.calls[method] == 1:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")

    async def CalculateNpv(
        self, request: pb.CalculateNpvRequest, context: grpc.aio.ServicerContext
    ) -> pb.CalculateNpvResponse:
        await self._once_unavailable("CalculateNpv", context)
        return pb.CalculateNpvResponse(npv=money_pb2.Money(currency_code="USD", units=42))

    async def CreateTransaction(
        self, request: pb.CreateTransactionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTransactionResponse:
        await self._once_unavailable("CreateTransaction", context)
        return pb.CreateTransactionResponse()

    async def GetLimits(
        self, request: pb.GetLimitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetLimitsResponse:
        await asyncio.sleep(2)
        return pb.GetLimitsResponse()


@pytest.fixture
def flaky() -> FlakyFinancial:
    return FlakyFinancial()


@pytest.fixture
def servicers(application: Application, flaky: FlakyFinancial) -> Servicers:
    return replace_servicers(application, financial=flaky)


@pytest.fixture
def interceptors() -> list[grpc.aio.ServerInterceptor]:
    return []


async def test_idempotent_call_is_retried(target: str, flaky: FlakyFinancial) -> None:
    async with quantis.AsyncClient(target) as client:
        response = await client.financial.CalculateNpv(pb.CalculateNpvRequest())
    assert response.npv.units == 42
    assert flaky.calls == {"CalculateNpv": 2}


async def test_mutation_is_not_retried(target: str, flaky: FlakyFinancial) -> None:
    async with quantis.AsyncClient(target) as client:
        with pytest.raises(errors.Unavailable):
            await client.financial.CreateTransaction(pb.CreateTransactionRequest())
    assert flaky.calls == {"CreateTransaction": 1}


async def test_retries_can_be_turned_off(target: str, flaky: FlakyFinancial) -> None:
    async with quantis.AsyncClient(target, retry=None) as client:
        with pytest.raises(errors.Unavailable):
            await client.financial.CalculateNpv(pb.CalculateNpvRequest())
    assert flaky.calls == {"CalculateNpv": 1}


async def test_calls_get_the_default_deadline(target: str) -> None:
    async with quantis.AsyncClient(target, timeout=0.2) as client:
        with pytest.raises(errors.DeadlineExceeded):
            await client.financial.GetLimits(pb.GetLimitsRequest())
