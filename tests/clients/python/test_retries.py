"""Idempotent calls are retried by gRPC itself (service config) on UNAVAILABLE; others are not.
Any unary call is sent again after a transaction conflict (nothing was stored), within its
deadline and the policy's attempts.

The flaky servicer runs inside the real server (request context and error mapping included,
the security layers left out): gRPC retries only calls that have not received response
headers (gRFC A6), so this also checks that the server commits no call before it answers.
"""

from __future__ import annotations

import asyncio

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


CONFLICT = (("x-test-case", "conflict"),)
CONFLICTS = (("x-test-case", "conflicts"),)


async def test_a_write_that_lost_a_transaction_conflict_is_sent_again(
    target: str, flaky: FirstAttemptFails
) -> None:
    async with quantis.AsyncClient(target) as client:
        await client.financial.CreateTransaction(pb.CreateTransactionRequest(), metadata=CONFLICT)
    assert flaky.attempts == {("CreateTransaction", "conflict"): 2}


async def test_the_sync_client_sends_a_conflicted_write_again_as_often_as_the_policy_says(
    target: str, flaky: FirstAttemptFails
) -> None:
    def calls() -> errors.Aborted:
        with quantis.Client(target) as client:
            client.financial.CreateTransaction(pb.CreateTransactionRequest(), metadata=CONFLICT)
        policy = quantis.RetryPolicy(max_attempts=3, initial_backoff=0.01)
        with quantis.Client(target, retry=policy) as client, pytest.raises(errors.Aborted) as raised:
            client.financial.CreateTransaction(pb.CreateTransactionRequest(), metadata=CONFLICTS)
        return raised.value

    assert (await asyncio.to_thread(calls)).reason == "TRANSACTION_CONFLICT"
    assert flaky.attempts == {("CreateTransaction", "conflict"): 2, ("CreateTransaction", "conflicts"): 3}


async def test_conflicts_are_not_sent_again_with_retries_off_or_past_the_deadline(
    target: str, flaky: FirstAttemptFails
) -> None:
    async with quantis.AsyncClient(target, retry=None) as client:
        with pytest.raises(errors.Aborted):
            await client.financial.CreateTransaction(pb.CreateTransactionRequest(), metadata=CONFLICT)
    slow = quantis.RetryPolicy(max_attempts=5, initial_backoff=5.0, backoff_multiplier=1.0)
    async with quantis.AsyncClient(target, retry=slow) as client:
        with pytest.raises(errors.Aborted):  # a pause of up to 5 s does not fit a 0.3 s deadline
            await client.financial.CreateTransaction(
                pb.CreateTransactionRequest(), metadata=CONFLICTS, timeout=0.3
            )
    attempts = flaky.attempts
    assert attempts[("CreateTransaction", "conflict")] == 1
    assert 1 <= attempts[("CreateTransaction", "conflicts")] <= 2
