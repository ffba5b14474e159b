"""FinancialService tests run on the embedded defaults and on PostgreSQL with Redis."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from google.type import money_pb2
from grpc_status import rpc_status
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.settings import Settings


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


@pytest.fixture
def finance(channel: grpc.aio.Channel) -> financial_service_pb2_grpc.FinancialServiceStub:
    return financial_service_pb2_grpc.FinancialServiceStub(channel)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def usd(units: int, nanos: int = 0, currency: str = "USD") -> money_pb2.Money:
    return money_pb2.Money(currency_code=currency, units=units, nanos=nanos)


def create_request(
    units: int,
    *,
    key: str | None = None,
    kind: int = pb.TRANSACTION_TYPE_DEPOSIT,
    currency: str = "USD",
    nanos: int = 0,
    **fields: object,
) -> pb.CreateTransactionRequest:
    return pb.CreateTransactionRequest(
        idempotency_key=key or uuid.uuid4().hex,
        amount=usd(units, nanos, currency),
        type=kind,  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


class Failure:
    """What a failed call carried: code, ErrorInfo, field violations, precondition violations."""

    def __init__(self, error: grpc.aio.AioRpcError):
        self.code = error.code()
        self.info = error_details_pb2.ErrorInfo()
        self.fields: list[str] = []
        self.preconditions: list[error_details_pb2.PreconditionFailure.Violation] = []
        status = rpc_status.from_call(error)
        for detail in status.details if status else ():
            bad = error_details_pb2.BadRequest()
            precondition = error_details_pb2.PreconditionFailure()
            if detail.Unpack(self.info):
                continue
            if detail.Unpack(bad):
                self.fields += [v.field for v in bad.field_violations]
            elif detail.Unpack(precondition):
                self.preconditions += list(precondition.violations)

    @property
    def reason(self) -> str:
        return self.info.reason


async def failure(call: object) -> Failure:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return Failure(raised.value)
