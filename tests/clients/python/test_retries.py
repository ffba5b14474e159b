"""Idempotent calls are retried by gRPC itself (service config) on UNAVAILABLE; others are not.

The flaky servicer runs inside the real server (request context and error mapping included,
the security layers left out): gRPC retries only calls that have not received response
headers (gRFC A6), so this also checks that the server commits no call before it answers.
"""

from __future__ import annotations

import grpc
import pytest
import quantis
from quantis import errors
from quantis.v1 import financial_service_pb2 as pb

from server.composition import Application
from server.servicers import Servicers
from tests.clients.flaky import FirstAttemptFails, FlakyFinancial
from tests.server.conftest import replace_servicers


@pytest.fixture
def flaky() -> FirstAttemptFails:
    return FirstAttemptFails()


@pytest.fixture
def servicers(application: Application, flaky: FirstAttemptFails) -> Servicers:
    return replace_servicers(application, financial=FlakyFinancial(flaky))


@pytest.fixture
def interceptors() -> list[grpc.aio.ServerInterceptor]:
    return []


async def test_idempotent_call_is_retried(target: str, flaky: FirstAttemptFails) -> None:
    async with quantis.AsyncClient(target) as client:
        response = await client.financial.CalculateNpv(pb.CalculateNpvRequest())
    assert response.npv.units == 42
    assert flaky.attempts == {("CalculateNpv", ""): 2}


async def test_mutation_is_not_retried(target: str, flaky: FirstAttemptFails) -> None:
    async with quantis.AsyncClient(target) as client:
        with pytest.raises(errors.Unavailable):
            await client.financial.CreateTransaction(pb.CreateTransactionRequest())
    assert flaky.attempts == {("CreateTransaction", ""): 1}


async def test_retries_can_be_turned_off(target: str, flaky: FirstAttemptFails) -> None:
    async with quantis.AsyncClient(target, retry=None) as client:
        with pytest.raises(errors.Unavailable):
            await client.financial.CalculateNpv(pb.CalculateNpvRequest())
    assert flaky.attempts == {("CalculateNpv", ""): 1}


async def test_calls_get_the_default_deadline(target: str) -> None:
    async with quantis.AsyncClient(target, timeout=0.2) as client:
        with pytest.raises(errors.DeadlineExceeded):
            await client.financial.GetLimits(pb.GetLimitsRequest())
