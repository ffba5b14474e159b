"""Domain errors reach the client as statuses with google.rpc details, never as tracebacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    monitoring_service_pb2,
    monitoring_service_pb2_grpc,
)

from server import errors
from server.composition import Application
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from tests.server.conftest import replace_servicers


class FailingAuth(auth_service_pb2_grpc.AuthServiceServicer):
    """Each RPC fails in a different way, as a domain layer might."""

    async def Register(self, request: auth_service_pb2.RegisterRequest, context: object) -> None:
        raise errors.InvalidArgument.field("username", "must be 3 to 50 of [A-Za-z0-9_]")

    async def GetUser(self, request: auth_service_pb2.GetUserRequest, context: object) -> None:
        raise errors.NotFound("user", request.user_id)

    async def Login(self, request: auth_service_pb2.LoginRequest, context: object) -> None:
        raise errors.ResourceExhausted("too many attempts", retry_after_seconds=2.5)

    async def CreateApiKey(self, request: auth_service_pb2.CreateApiKeyRequest, context: object) -> None:
        raise errors.FailedPrecondition(
            "limit reached",
            violations=[errors.PreconditionViolation("LIMIT", "daily", "daily limit of 50,000 reached")],
        )

    async def GetCurrentUser(self, request: auth_service_pb2.GetCurrentUserRequest, context: object) -> None:
        raise KeyError("secret internal detail")

    async def ListSessions(self, request: auth_service_pb2.ListSessionsRequest, context: object) -> None:
        raise NotImplementedError("tiny datasets")  # as a library says it cannot handle an input


class FailingMonitoring(monitoring_service_pb2_grpc.MonitoringServiceServicer):
    async def WatchEvents(
        self, request: monitoring_service_pb2.WatchEventsRequest, context: object
    ) -> AsyncIterator[monitoring_service_pb2.WatchEventsResponse]:
        yield monitoring_service_pb2.WatchEventsResponse()
        raise errors.Unavailable("event bus restarting", retry_after_seconds=1)


@pytest.fixture
def interceptors() -> list[WrappingInterceptor]:
    """Error mapping is tested without the security layers in front of it."""
    return []


@pytest.fixture
def servicers(application: Application) -> Servicers:
    return replace_servicers(application, auth=FailingAuth(), monitoring=FailingMonitoring())


def _detail(error: grpc.aio.AioRpcError, kind: type) -> object:
    status = rpc_status.from_call(error)
    assert status is not None
    for packed in status.details:
        if packed.Is(kind.DESCRIPTOR):
            detail = kind()
            packed.Unpack(detail)
            return detail
    raise AssertionError(f"no {kind.__name__} in {status}")


async def _fail(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_invalid_argument_names_the_field(channel: grpc.aio.Channel) -> None:
    error = await _fail(
        auth_service_pb2_grpc.AuthServiceStub(channel).Register(auth_service_pb2.RegisterRequest())
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    info = _detail(error, error_details_pb2.ErrorInfo)
    assert info.reason == "INVALID_ARGUMENT" and info.domain == "quantis.v1"  # type: ignore[attr-defined]
    bad = _detail(error, error_details_pb2.BadRequest)
    assert [v.field for v in bad.field_violations] == ["username"]  # type: ignore[attr-defined]


async def test_not_found_carries_resource_info(channel: grpc.aio.Channel) -> None:
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    error = await _fail(stub.GetUser(auth_service_pb2.GetUserRequest(user_id="u-42")))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    resource = _detail(error, error_details_pb2.ResourceInfo)
    assert (resource.resource_type, resource.resource_name) == ("user", "u-42")  # type: ignore[attr-defined]


async def test_an_error_echoing_a_huge_input_still_reaches_the_client(channel: grpc.aio.Channel) -> None:
    # The status travels in trailers, which a client refuses past 8 KiB: the echo is cut.
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    error = await _fail(stub.GetUser(auth_service_pb2.GetUserRequest(user_id="x" * 20_000)))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert len(error.details() or "") <= 1000
    resource = _detail(error, error_details_pb2.ResourceInfo)
    assert resource.resource_name == "x" * 299 + "\u2026"  # type: ignore[attr-defined]


async def test_resource_exhausted_says_when_to_retry(channel: grpc.aio.Channel) -> None:
    error = await _fail(auth_service_pb2_grpc.AuthServiceStub(channel).Login(auth_service_pb2.LoginRequest()))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    retry = _detail(error, error_details_pb2.RetryInfo)
    assert retry.retry_delay.ToNanoseconds() == 2_500_000_000  # type: ignore[attr-defined]


async def test_failed_precondition_lists_violations(channel: grpc.aio.Channel) -> None:
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    error = await _fail(stub.CreateApiKey(auth_service_pb2.CreateApiKeyRequest()))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    failure = _detail(error, error_details_pb2.PreconditionFailure)
    assert [v.type for v in failure.violations] == ["LIMIT"]  # type: ignore[attr-defined]


async def test_unexpected_error_is_internal_with_a_reference_and_no_detail(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    call = stub.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=(("x-request-id", "req-123"),)
    )
    error = await _fail(call)
    assert error.code() is grpc.StatusCode.INTERNAL
    assert error.details() == "internal error; reference req-123"
    assert "secret internal detail" not in str(error.debug_error_string())
    logged = [r for r in caplog.records if r.name == "server.errors"]
    assert (
        logged and logged[0].exc_info is not None and "secret internal detail" in str(logged[0].exc_info[1])
    )


async def test_not_implemented_deeper_than_the_servicer_base_is_internal(channel: grpc.aio.Channel) -> None:
    """Only the generated base class's NotImplementedError means an RPC nobody defined."""
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    error = await _fail(stub.ListSessions(auth_service_pb2.ListSessionsRequest()))
    assert error.code() is grpc.StatusCode.INTERNAL and "not implemented" not in (error.details() or "")
    assert _detail(error, error_details_pb2.ErrorInfo).reason == "INTERNAL"  # type: ignore[attr-defined]
    undefined = await _fail(stub.Logout(auth_service_pb2.LogoutRequest()))
    assert undefined.code() is grpc.StatusCode.UNIMPLEMENTED
    assert _detail(undefined, error_details_pb2.ErrorInfo).reason == "NOT_IMPLEMENTED"  # type: ignore[attr-defined]
    assert undefined.details() == "/quantis.v1.AuthService/Logout is not implemented yet"


async def test_error_inside_a_server_stream_ends_it_with_a_status(channel: grpc.aio.Channel) -> None:
    stream = monitoring_service_pb2_grpc.MonitoringServiceStub(channel).WatchEvents(
        monitoring_service_pb2.WatchEventsRequest()
    )
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async for response in stream:
            received.append(response)
    assert len(received) == 1
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE
    assert _detail(raised.value, error_details_pb2.RetryInfo)


async def test_request_id_is_echoed(channel: grpc.aio.Channel) -> None:
    """In the trailers, beside the error details, so that headers do not commit the call."""
    call = auth_service_pb2_grpc.AuthServiceStub(channel).Login(
        auth_service_pb2.LoginRequest(), metadata=(("x-request-id", "abc-1"),)
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await call
    assert ("x-request-id", "abc-1") in tuple(await call.trailing_metadata())
