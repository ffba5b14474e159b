"""Servicers that fail each call's first attempt with UNAVAILABLE: the SDKs' retries meet them.

A call whose x-test-case header is ``conflict`` loses a transaction conflict in the database on
its first attempt instead, and one whose header is ``conflicts`` on every attempt: the server
answers ABORTED, reason TRANSACTION_CONFLICT, as it does for a real deadlock.
"""

from __future__ import annotations

import asyncio

import grpc
import psycopg2  # type: ignore[import-untyped]
import sqlalchemy.exc
from google.type import money_pb2
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc as pb_grpc


class FirstAttemptFails:
    """Answers UNAVAILABLE to the first attempt of each (method, x-test-case header)."""

    def __init__(self) -> None:
        self.attempts: dict[tuple[str, str], int] = {}

    async def __call__(self, method: str, context: grpc.aio.ServicerContext) -> None:
        case = dict(context.invocation_metadata() or ()).get("x-test-case", "")
        key = (method, str(case))
        self.attempts[key] = self.attempts.get(key, 0) + 1
        if case == "conflicts" or (case == "conflict" and self.attempts[key] == 1):
            deadlock = psycopg2.errors.DeadlockDetected("deadlock detected")
            raise sqlalchemy.exc.OperationalError("UPDATE ...", {}, deadlock)
        if self.attempts[key] == 1:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")


class FlakyFinancial(pb_grpc.FinancialServiceServicer):
    def __init__(self, first_attempt_fails: FirstAttemptFails) -> None:
        self._flaky = first_attempt_fails

    async def CalculateNpv(
        self, request: pb.CalculateNpvRequest, context: grpc.aio.ServicerContext
    ) -> pb.CalculateNpvResponse:
        await self._flaky("CalculateNpv", context)
        return pb.CalculateNpvResponse(npv=money_pb2.Money(currency_code="USD", units=42))

    async def CreateTransaction(
        self, request: pb.CreateTransactionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTransactionResponse:
        await self._flaky("CreateTransaction", context)
        return pb.CreateTransactionResponse()

    async def GetLimits(
        self, request: pb.GetLimitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetLimitsResponse:
        await asyncio.sleep(2)
        return pb.GetLimitsResponse()
