"""Fakes and helpers for testing the security interceptors on their own.

The real Authenticator (tokens, API keys, revocation) has its own tests; here a
dict from credential to Principal stands in for it, so each layer's behaviour
is tested apart from how credentials are checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from quantis.v1 import (
    auth_service_pb2_grpc,
    dataset_service_pb2_grpc,
    financial_service_pb2_grpc,
    model_service_pb2_grpc,
    monitoring_service_pb2_grpc,
    prediction_service_pb2_grpc,
)

from server import contracts
from server.auth.permissions import ROLE_PERMISSIONS, Role
from server.auth.principal import Principal
from server.contracts import MethodRule
from server.errors import Unauthenticated
from server.grpc_server import create_server
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers

VIEWER = Principal("u-viewer", "vera", Role.VIEWER, ROLE_PERMISSIONS[Role.VIEWER], session_id="s-1")
ANALYST = Principal("u-analyst", "ana", Role.ANALYST, ROLE_PERMISSIONS[Role.ANALYST], session_id="s-2")
ADMIN = Principal("u-admin", "root", Role.ADMIN, ROLE_PERMISSIONS[Role.ADMIN], session_id="s-3")
# An API key of the viewer, scoped to running predictions only.
VIEWER_KEY = Principal("u-viewer", "vera", Role.VIEWER, frozenset({"predictions:run"}), api_key_id="k-1")
NO_SCOPES_KEY = Principal("u-viewer", "vera", Role.VIEWER, frozenset(), api_key_id="k-0")

# Long enough for any empty request; streams that never end (WatchEvents) stop here.
CALL_TIMEOUT = 2.0

CREDENTIALS: dict[str, Principal] = {
    "viewer-token": VIEWER,
    "analyst-token": ANALYST,
    "admin-token": ADMIN,
    "qk_viewer-key": VIEWER_KEY,
    "qk_no-scopes": NO_SCOPES_KEY,
}


class FakeAuthenticator:
    """``authorization: Bearer <token>`` or ``x-api-key: <key>``, looked up in a dict."""

    def __init__(self, principals: Mapping[str, Principal] = CREDENTIALS):
        self._principals = dict(principals)
        self.seen: list[Mapping[str, str]] = []

    async def authenticate(self, metadata: Mapping[str, str]) -> Principal:
        self.seen.append(dict(metadata))
        authorization = metadata.get("authorization", "")
        credential = authorization.removeprefix("Bearer ") if authorization else metadata.get("x-api-key")
        if not credential:
            raise Unauthenticated("no credentials", reason="CREDENTIALS_MISSING")
        principal = self._principals.get(credential)
        if principal is None:
            raise Unauthenticated("invalid credentials", reason="TOKEN_INVALID")
        return principal


def bearer(token: str, *extra: tuple[str, str | bytes]) -> tuple[tuple[str, str | bytes], ...]:
    return (("authorization", f"Bearer {token}"), *extra)


def bare_servicers(**layers: object) -> Servicers:
    """Servicers whose RPCs all answer UNIMPLEMENTED, but for the ``layers`` given."""
    defaults: dict[str, object] = {
        "auth": auth_service_pb2_grpc.AuthServiceServicer(),
        "dataset": dataset_service_pb2_grpc.DatasetServiceServicer(),
        "model": model_service_pb2_grpc.ModelServiceServicer(),
        "prediction": prediction_service_pb2_grpc.PredictionServiceServicer(),
        "financial": financial_service_pb2_grpc.FinancialServiceServicer(),
        "monitoring": monitoring_service_pb2_grpc.MonitoringServiceServicer(),
    }
    return Servicers(**{**defaults, **layers})  # type: ignore[arg-type]


@asynccontextmanager
async def serving(
    servicers: Servicers, interceptors: Sequence[WrappingInterceptor]
) -> AsyncIterator[grpc.aio.Channel]:
    """A server of its own for one test (when the module's fixtures do not fit), and a channel to it."""
    running = await create_server(servicers, interceptors=interceptors, port=0)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            yield channel
    finally:
        await running.stop(0)


async def failure(call: Any) -> grpc.aio.AioRpcError:
    """The error a call (a unary call, or a stream to drain) ends with."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        if hasattr(call, "__aiter__"):
            async for _ in call:
                pass
        else:
            await call
    return raised.value


def detail(error: grpc.aio.AioRpcError, kind: type[Message]) -> Any:
    status = rpc_status.from_call(error)
    assert status is not None
    for packed in status.details:
        if packed.Is(kind.DESCRIPTOR):
            found = kind()
            packed.Unpack(found)
            return found
    raise AssertionError(f"no {kind.__name__} in {status}")


def reason(error: grpc.aio.AioRpcError) -> str:
    return str(detail(error, error_details_pb2.ErrorInfo).reason)


def _classes(rule: MethodRule) -> tuple[type[Message], type[Message]]:
    service_name, method_name = rule.path.strip("/").split("/")
    service = next(s for s in contracts.services() if s.full_name == service_name)
    method = service.methods_by_name[method_name]
    return (
        message_factory.GetMessageClass(method.input_type),
        message_factory.GetMessageClass(method.output_type),
    )


async def call_rpc(
    channel: grpc.aio.Channel, rule: MethodRule, metadata: tuple[tuple[str, str], ...] = ()
) -> grpc.StatusCode:
    """Call any RPC with an empty request (a client stream sends none) and return the code it
    ends with. A refusal comes from the call's metadata, before any message is read; a message
    written as it arrives can turn it into INTERNAL in grpc.aio's client (grpc/grpc#36066)."""
    request_class, response_class = _classes(rule)
    serialize, deserialize = request_class.SerializeToString, response_class.FromString

    call: Any
    if rule.client_streaming and rule.server_streaming:
        call = channel.stream_stream(rule.path, serialize, deserialize)(
            iter(()), metadata=metadata, timeout=CALL_TIMEOUT
        )
    elif rule.client_streaming:
        call = channel.stream_unary(rule.path, serialize, deserialize)(
            iter(()), metadata=metadata, timeout=CALL_TIMEOUT
        )
    elif rule.server_streaming:
        call = channel.unary_stream(rule.path, serialize, deserialize)(
            request_class(), metadata=metadata, timeout=CALL_TIMEOUT
        )
    else:
        call = channel.unary_unary(rule.path, serialize, deserialize)(
            request_class(), metadata=metadata, timeout=CALL_TIMEOUT
        )
    try:
        if rule.server_streaming:
            async for _ in call:
                pass
        else:
            await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK
