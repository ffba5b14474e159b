"""The auth interceptor: credentials for every non-public RPC, and the permission its contract names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    monitoring_service_pb2,
    monitoring_service_pb2_grpc,
    prediction_service_pb2,
    prediction_service_pb2_grpc,
)

from server.auth.principal import Principal, principal_var
from server.contracts import method_rules
from server.interceptors.auth import AuthInterceptor
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from tests.server.security_helpers import (
    ADMIN,
    ANALYST,
    VIEWER,
    VIEWER_KEY,
    FakeAuthenticator,
    bare_servicers,
    bearer,
    call_rpc,
    detail,
    failure,
    reason,
)

Seen = list[Principal | None]


class WhoAmI(auth_service_pb2_grpc.AuthServiceServicer):
    """Records the principal each call runs as."""

    def __init__(self, seen: Seen):
        self.seen = seen

    async def Register(
        self, request: auth_service_pb2.RegisterRequest, context: object
    ) -> auth_service_pb2.RegisterResponse:
        self.seen.append(principal_var.get())
        return auth_service_pb2.RegisterResponse()

    async def GetCurrentUser(
        self, request: auth_service_pb2.GetCurrentUserRequest, context: object
    ) -> auth_service_pb2.GetCurrentUserResponse:
        self.seen.append(principal_var.get())
        return auth_service_pb2.GetCurrentUserResponse()

    async def ListUsers(
        self, request: auth_service_pb2.ListUsersRequest, context: object
    ) -> auth_service_pb2.ListUsersResponse:
        self.seen.append(principal_var.get())
        return auth_service_pb2.ListUsersResponse()


class WhoPredicts(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, seen: Seen):
        self.seen = seen

    async def Predict(
        self, request: prediction_service_pb2.PredictRequest, context: object
    ) -> prediction_service_pb2.PredictResponse:
        self.seen.append(principal_var.get())
        return prediction_service_pb2.PredictResponse()


class WhoWatches(monitoring_service_pb2_grpc.MonitoringServiceServicer):
    def __init__(self, seen: Seen):
        self.seen = seen

    async def WatchEvents(
        self, request: monitoring_service_pb2.WatchEventsRequest, context: object
    ) -> AsyncIterator[monitoring_service_pb2.WatchEventsResponse]:
        self.seen.append(principal_var.get())
        yield monitoring_service_pb2.WatchEventsResponse()


class WhoUploads(dataset_service_pb2_grpc.DatasetServiceServicer):
    def __init__(self, seen: Seen):
        self.seen = seen

    async def UploadDataset(
        self, request_iterator: AsyncIterator[dataset_service_pb2.UploadDatasetRequest], context: object
    ) -> dataset_service_pb2.UploadDatasetResponse:
        async for _ in request_iterator:
            pass
        self.seen.append(principal_var.get())
        return dataset_service_pb2.UploadDatasetResponse()


@pytest.fixture
def seen() -> Seen:
    return []


@pytest.fixture
def authenticator() -> FakeAuthenticator:
    return FakeAuthenticator()


@pytest.fixture
def servicers(seen: Seen) -> Servicers:
    return bare_servicers(
        auth=WhoAmI(seen), prediction=WhoPredicts(seen), monitoring=WhoWatches(seen), dataset=WhoUploads(seen)
    )


@pytest.fixture
def interceptors(authenticator: FakeAuthenticator) -> list[WrappingInterceptor]:
    return [AuthInterceptor(method_rules(), authenticator)]


@pytest.fixture
def auth(channel: grpc.aio.Channel) -> auth_service_pb2_grpc.AuthServiceStub:
    return auth_service_pb2_grpc.AuthServiceStub(channel)


async def test_a_call_without_credentials_is_unauthenticated(
    auth: auth_service_pb2_grpc.AuthServiceStub, seen: Seen
) -> None:
    error = await failure(auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest()))
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert reason(error) == "CREDENTIALS_MISSING"
    assert seen == []


async def test_unknown_credentials_are_unauthenticated(
    auth: auth_service_pb2_grpc.AuthServiceStub, seen: Seen
) -> None:
    error = await failure(
        auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=bearer("forged"))
    )
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert reason(error) == "TOKEN_INVALID"
    assert seen == []


async def test_a_public_rpc_runs_without_a_principal(
    auth: auth_service_pb2_grpc.AuthServiceStub, seen: Seen, authenticator: FakeAuthenticator
) -> None:
    await auth.Register(auth_service_pb2.RegisterRequest(username="new_user"))
    # Credentials sent to a public RPC are not even looked at.
    await auth.Register(auth_service_pb2.RegisterRequest(username="other"), metadata=bearer("admin-token"))
    assert seen == [None, None]
    assert authenticator.seen == []


async def test_a_missing_permission_is_permission_denied_naming_it(
    auth: auth_service_pb2_grpc.AuthServiceStub, seen: Seen
) -> None:
    error = await failure(
        auth.ListUsers(auth_service_pb2.ListUsersRequest(), metadata=bearer("viewer-token"))
    )
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    info = detail(error, error_details_pb2.ErrorInfo)
    assert info.reason == "MISSING_PERMISSION"
    assert dict(info.metadata) == {"permission": "users:admin"}
    assert seen == []


async def test_the_servicer_sees_the_principal_the_credentials_name(
    auth: auth_service_pb2_grpc.AuthServiceStub, seen: Seen
) -> None:
    await auth.ListUsers(auth_service_pb2.ListUsersRequest(), metadata=bearer("admin-token"))
    await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=bearer("viewer-token"))
    await auth.Register(auth_service_pb2.RegisterRequest())
    assert seen == [ADMIN, VIEWER, None]


async def test_an_api_key_grants_only_its_scopes(channel: grpc.aio.Channel, seen: Seen) -> None:
    key = (("x-api-key", "qk_viewer-key"),)
    await prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
        prediction_service_pb2.PredictRequest(), metadata=key
    )
    assert seen == [VIEWER_KEY]
    error = await failure(
        auth_service_pb2_grpc.AuthServiceStub(channel).GetCurrentUser(
            auth_service_pb2.GetCurrentUserRequest(), metadata=key
        )
    )
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert detail(error, error_details_pb2.ErrorInfo).metadata["permission"] == "account:manage"


async def test_server_streams_are_authorized(channel: grpc.aio.Channel, seen: Seen) -> None:
    stub = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
    error = await failure(stub.WatchEvents(monitoring_service_pb2.WatchEventsRequest()))
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    received = [
        r
        async for r in stub.WatchEvents(
            monitoring_service_pb2.WatchEventsRequest(), metadata=bearer("viewer-token")
        )
    ]
    assert len(received) == 1
    assert seen == [VIEWER]


async def test_client_streams_are_authorized(channel: grpc.aio.Channel, seen: Seen) -> None:
    stub = dataset_service_pb2_grpc.DatasetServiceStub(channel)

    async def chunks() -> AsyncIterator[dataset_service_pb2.UploadDatasetRequest]:
        for piece in (b"a,b\n", b"1,2\n"):
            yield dataset_service_pb2.UploadDatasetRequest(chunk=piece)

    # Refused on its metadata, before any message is read: the refused call writes nothing. (In
    # grpc.aio's client, a write racing the server's early status can replace that status with
    # INTERNAL, grpc/grpc#36066.)
    refused = stub.UploadDataset(metadata=bearer("viewer-token"), timeout=10)
    error = await failure(refused)
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED  # viewers cannot write datasets
    await stub.UploadDataset(chunks(), metadata=bearer("analyst-token"))
    assert seen == [ANALYST]


async def test_binary_metadata_is_not_passed_to_the_authenticator(
    auth: auth_service_pb2_grpc.AuthServiceStub, seen: Seen, authenticator: FakeAuthenticator
) -> None:
    metadata = (("x-trace-bin", b"\x00\x01"), ("authorization", "Bearer admin-token"))
    await auth.ListUsers(auth_service_pb2.ListUsersRequest(), metadata=metadata)
    assert seen == [ADMIN]
    assert "x-trace-bin" not in authenticator.seen[0]


async def test_health_checking_needs_no_credentials(channel: grpc.aio.Channel) -> None:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_every_rpc_but_the_public_ones_refuses_an_anonymous_caller(channel: grpc.aio.Channel) -> None:
    rules = method_rules()
    codes = {path: await call_rpc(channel, rule) for path, rule in rules.items()}
    refused = {path for path, code in codes.items() if code is grpc.StatusCode.UNAUTHENTICATED}
    assert refused == {path for path, rule in rules.items() if not rule.public}
    assert refused, "the contracts have non-public RPCs"


async def test_every_rpc_refuses_a_caller_without_its_permission(channel: grpc.aio.Channel) -> None:
    """An API key with no scopes at all: every non-public RPC is PERMISSION_DENIED."""
    for path, rule in method_rules().items():
        code = await call_rpc(channel, rule, (("x-api-key", "qk_no-scopes"),))
        assert (code is grpc.StatusCode.PERMISSION_DENIED) is not rule.public, path
