"""A WatchEvents stream ends UNAUTHENTICATED once its credential is revoked (Logout, a revoked
API key), within a heartbeat, instead of delivering on."""

from __future__ import annotations

import asyncio

import grpc
from quantis.v1 import auth_service_pb2, auth_service_pb2_grpc
from quantis.v1 import monitoring_service_pb2 as pb

from server.composition import Application
from tests.server.auth_helpers import user_token
from tests.server.monitoring.test_monitoring import Stub, bearer


async def ended_with(stream: grpc.aio.UnaryStreamCall, within: float = 10.0) -> grpc.StatusCode:  # type: ignore[type-arg]
    async def drain() -> grpc.StatusCode:
        try:
            while await stream.read() is not grpc.aio.EOF:
                pass
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    try:
        return await asyncio.wait_for(drain(), within)
    finally:
        stream.cancel()


async def test_a_stream_ends_when_its_session_logs_out(
    monitoring: Stub, application: Application, channel: grpc.aio.Channel
) -> None:
    token = await user_token(application, "vera")
    stream = monitoring.WatchEvents(pb.WatchEventsRequest(), metadata=bearer(token))
    assert (await stream.read()).event.HasField("heartbeat")
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    await auth.Logout(auth_service_pb2.LogoutRequest(), metadata=bearer(token))
    assert await ended_with(stream) is grpc.StatusCode.UNAUTHENTICATED


async def test_a_stream_ends_when_its_api_key_is_revoked(
    monitoring: Stub, application: Application, channel: grpc.aio.Channel
) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    token = await user_token(application, "wim")
    request = auth_service_pb2.CreateApiKeyRequest(name="dash", scopes=["notifications:read"])
    key = await auth.CreateApiKey(request, metadata=bearer(token))
    stream = monitoring.WatchEvents(pb.WatchEventsRequest(), metadata=(("x-api-key", key.secret),))
    assert (await stream.read()).event.HasField("heartbeat")
    revoke = auth_service_pb2.RevokeApiKeyRequest(api_key_id=key.api_key.api_key_id)
    await auth.RevokeApiKey(revoke, metadata=bearer(token))
    assert await ended_with(stream) is grpc.StatusCode.UNAUTHENTICATED
