"""gRPC-web through `quantis web` to a real gRPC server: binary and text modes, rich errors in
the trailer frame, metadata and deadlines passed on, and what gRPC-web cannot carry refused."""

from __future__ import annotations

import base64
import struct
import time
from collections.abc import AsyncIterator

import aiohttp
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2
from quantis.v1 import auth_service_pb2, dataset_service_pb2, monitoring_service_pb2

from server.composition import Application
from tests.server.auth_helpers import PASSWORD
from tests.server.web.grpc_web import BINARY, TEXT, call, frame, parse_body

LOGIN = "quantis.v1.AuthService/Login"
CURRENT_USER = "quantis.v1.AuthService/GetCurrentUser"


async def login(http: aiohttp.ClientSession, bridge: str, application: Application, name: str) -> str:
    await application.accounts.register(name, f"{name}@example.com", PASSWORD)
    reply = await call(http, bridge, LOGIN, auth_service_pb2.LoginRequest(username=name, password=PASSWORD))
    assert reply.status == 0, reply.trailers
    return auth_service_pb2.LoginResponse.FromString(reply.messages[0]).tokens.access_token


async def test_binary_login_then_call_with_the_token(
    bridge: str, http: aiohttp.ClientSession, application: Application
) -> None:
    token = await login(http, bridge, application, "web_binary")
    reply = await call(
        http,
        bridge,
        CURRENT_USER,
        auth_service_pb2.GetCurrentUserRequest(),
        headers={"authorization": f"Bearer {token}", "x-request-id": "web-test-1"},
    )
    assert reply.headers["content-type"] == "application/grpc-web+proto"
    assert (reply.status, len(reply.messages)) == (0, 1)
    user = auth_service_pb2.GetCurrentUserResponse.FromString(reply.messages[0]).user
    assert user.username == "web_binary"
    assert reply.trailers["x-request-id"] == "web-test-1"  # the server saw the caller's request id


async def test_text_mode_with_a_body_sent_in_base64_pieces(
    bridge: str, http: aiohttp.ClientSession, application: Application
) -> None:
    await application.accounts.register("web_text", "web_text@example.com", PASSWORD)
    request = frame(auth_service_pb2.LoginRequest(username="web_text", password=PASSWORD))

    async def pieces() -> AsyncIterator[bytes]:
        # Header and message padded separately, as a client that encodes as it writes sends them;
        # an async body goes out with chunked transfer encoding.
        yield base64.b64encode(request[:5])
        yield base64.b64encode(request[5:])

    async with http.post(f"{bridge}/{LOGIN}", data=pieces(), headers={"content-type": TEXT}) as response:
        assert response.headers["content-type"] == "application/grpc-web-text+proto"
        body = base64.b64decode(await response.read())  # one padded piece per frame
    length = struct.unpack_from(">I", body, 1)[0]
    tokens = auth_service_pb2.LoginResponse.FromString(body[5 : 5 + length]).tokens
    assert body[0] == 0x00 and tokens.token_type == "Bearer"

    reply = await call(
        http,
        bridge,
        CURRENT_USER,
        auth_service_pb2.GetCurrentUserRequest(),
        headers={"authorization": f"Bearer {tokens.access_token}"},
        content_type=TEXT,
    )
    assert reply.status == 0
    assert auth_service_pb2.GetCurrentUserResponse.FromString(reply.messages[0]).user.username == "web_text"


async def test_invalid_argument_carries_field_violations_in_the_trailer_frame(
    bridge: str, http: aiohttp.ClientSession
) -> None:
    reply = await call(
        http,
        bridge,
        "quantis.v1.AuthService/Register",
        auth_service_pb2.RegisterRequest(username="web_weak", email="weak@example.com", password="weak"),
    )
    assert reply.status == 3 and reply.messages == []
    details = status_pb2.Status.FromString(base64.b64decode(reply.trailers["grpc-status-details-bin"] + "=="))
    assert details.code == 3 and details.message == reply.message
    bad_request = error_details_pb2.BadRequest()
    assert any(detail.Unpack(bad_request) for detail in details.details)
    assert [v.field for v in bad_request.field_violations] == ["password"]


async def test_unauthenticated_message_is_percent_encoded(bridge: str, http: aiohttp.ClientSession) -> None:
    reply = await call(http, bridge, CURRENT_USER, auth_service_pb2.GetCurrentUserRequest())
    assert reply.status == 16
    assert all(0x20 <= ord(c) < 0x7F for c in reply.trailers["grpc-message"])
    assert reply.message  # decodes to the server's text


async def test_standard_services_pass_through(bridge: str, http: aiohttp.ClientSession) -> None:
    reply = await call(http, bridge, "grpc.health.v1.Health/Check", health_pb2.HealthCheckRequest())
    assert reply.status == 0
    assert health_pb2.HealthCheckResponse.FromString(reply.messages[0]).status == 1  # SERVING


async def test_unknown_method_is_the_servers_unimplemented(bridge: str, http: aiohttp.ClientSession) -> None:
    reply = await call(http, bridge, "quantis.v1.AuthService/NoSuchMethod", health_pb2.HealthCheckRequest())
    assert reply.status == 12


async def test_client_streaming_is_refused_as_unimplemented(bridge: str, http: aiohttp.ClientSession) -> None:
    reply = await call(
        http, bridge, "quantis.v1.DatasetService/UploadDataset", dataset_service_pb2.UploadDatasetRequest()
    )
    assert reply.status == 12
    assert "gRPC-web cannot carry" in reply.message
    bidi = await call(
        http, bridge, "quantis.v1.PredictionService/StreamPredict", health_pb2.HealthCheckRequest()
    )
    assert bidi.status == 12


async def test_server_stream_frames_arrive_while_it_is_open(
    bridge: str, http: aiohttp.ClientSession, application: Application
) -> None:
    token = await login(http, bridge, application, "web_stream")
    request = frame(monitoring_service_pb2.WatchEventsRequest())
    headers = {"content-type": BINARY, "authorization": f"Bearer {token}"}
    async with http.post(
        f"{bridge}/quantis.v1.MonitoringService/WatchEvents", data=request, headers=headers
    ) as r:
        for _ in range(2):  # heartbeats every 0.2 s (see conftest): the stream never ends by itself
            flag, length = struct.unpack(">BI", await r.content.readexactly(5))
            event = monitoring_service_pb2.WatchEventsResponse.FromString(await r.content.readexactly(length))
            assert flag == 0x00 and event.event.HasField("heartbeat")
        assert application.metrics.open_streams == 1


async def test_grpc_timeout_becomes_the_deadline(
    bridge: str, http: aiohttp.ClientSession, application: Application
) -> None:
    token = await login(http, bridge, application, "web_deadline")
    started = time.monotonic()
    reply = await call(
        http,
        bridge,
        "quantis.v1.MonitoringService/WatchEvents",
        monitoring_service_pb2.WatchEventsRequest(),
        headers={"authorization": f"Bearer {token}", "grpc-timeout": "700m"},
    )
    assert reply.status == 4  # DEADLINE_EXCEEDED
    assert 0.6 < time.monotonic() - started < 5
    assert len(reply.messages) >= 2  # heartbeats came before the deadline

    malformed = await call(
        http, bridge, CURRENT_USER, auth_service_pb2.GetCurrentUserRequest(), headers={"grpc-timeout": "soon"}
    )
    assert malformed.status == 3 and "grpc-timeout" in malformed.message


async def test_malformed_bodies_are_invalid_arguments(bridge: str, http: aiohttp.ClientSession) -> None:
    for body, content_type in ((b"\x00\x00\x00", BINARY), (b"not base64!", TEXT)):
        async with http.post(f"{bridge}/{LOGIN}", data=body, headers={"content-type": content_type}) as r:
            raw = await r.read()
        if content_type == TEXT:
            raw = base64.b64decode(raw)
        assert raw[0] == 0x80 and b"grpc-status: 3\r\n" in raw and b"request body" in raw


async def test_other_content_types_are_refused(bridge: str, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{bridge}/{LOGIN}", data=b"{}", headers={"content-type": "application/json"}) as r:
        assert r.status == 415


async def test_a_binary_request_may_ask_for_a_text_answer(
    bridge: str, http: aiohttp.ClientSession, application: Application
) -> None:
    token = await login(http, bridge, application, "web_accept")
    reply = await call(
        http,
        bridge,
        CURRENT_USER,
        auth_service_pb2.GetCurrentUserRequest(),
        headers={"authorization": f"Bearer {token}", "accept": TEXT},
    )
    assert reply.headers["content-type"] == "application/grpc-web-text+proto"
    assert reply.status == 0, reply.trailers
    assert auth_service_pb2.GetCurrentUserResponse.FromString(reply.messages[0]).user.username == "web_accept"


async def test_a_body_over_the_limit_is_resource_exhausted_as_over_grpc(
    bridge: str, http: aiohttp.ClientSession
) -> None:
    over = 16 * 1024 * 1024 * 4 // 3 + 1024  # past the text-mode limit of a 16 MiB message
    body = frame(auth_service_pb2.LoginRequest(username="x" * over, password="p"))

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]

    async with http.post(f"{bridge}/{LOGIN}", data=pieces(), headers={"content-type": BINARY}) as response:
        assert response.status == 200
        _, trailers = parse_body(await response.read())
    assert trailers["grpc-status"] == "8" and "larger than the bridge accepts" in trailers["grpc-message"]


async def test_bytes_that_are_no_request_message_are_invalid_arguments(
    bridge: str, http: aiohttp.ClientSession
) -> None:
    # A frame whose message is not a LoginRequest (a truncated varint): the server's own answer.
    body = struct.pack(">BI", 0, 3) + b"\xff\xff\xff"
    async with http.post(f"{bridge}/{LOGIN}", data=body, headers={"content-type": BINARY}) as response:
        _, trailers = parse_body(await response.read())
    assert trailers["grpc-status"] == "3" and "not a valid message" in trailers["grpc-message"]
