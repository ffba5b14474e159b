"""Auth tests run on the embedded defaults and on PostgreSQL with Redis."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import auth_service_pb2_grpc

from server.settings import Settings


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


@pytest.fixture
def auth(channel: grpc.aio.Channel) -> auth_service_pb2_grpc.AuthServiceStub:
    return auth_service_pb2_grpc.AuthServiceStub(channel)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def status_of(call: object) -> tuple[grpc.StatusCode, str]:
    """The code and ErrorInfo reason a call failed with."""
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    status = rpc_status.from_call(raised.value)
    reason = ""
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            reason = info.reason
    return raised.value.code(), reason
