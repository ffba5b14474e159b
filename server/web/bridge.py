"""The gRPC-web handler: one browser request becomes one gRPC call on a grpc.aio channel.

Messages pass through as raw bytes (a generic unary-request, streamed-response call with no
(de)serializers), so no RPC needs code of its own here: a unary RPC is a stream of one
message on the wire. Each response message is flushed to the browser as it arrives, and the
status, message, details and trailing metadata follow in a final trailer frame. When the
browser goes away, the handler is cancelled (the server runs with handler cancellation) and
so is the gRPC call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

import grpc
from aiohttp import web
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2
from grpc_status import rpc_status

from server import contracts
from server.errors import QuantisError, ResourceExhausted, Unavailable, Unimplemented
from server.interceptors.errors import to_status
from server.web import framing
from server.web.cors import CorsPolicy
from server.web.metadata import header_value, percent_encode, request_metadata, timeout_seconds

GRPC_WEB_TYPES = {"application/grpc-web", "application/grpc-web+proto"}
GRPC_WEB_TEXT_TYPES = {"application/grpc-web-text", "application/grpc-web-text+proto"}


def client_streaming_paths() -> set[str]:
    """RPCs whose requests are streams, which a browser's fetch cannot send as they happen."""
    files = [module.DESCRIPTOR for module in contracts.SERVICE_MODULES]
    files += [health_pb2.DESCRIPTOR, reflection_pb2.DESCRIPTOR]
    return {
        f"/{service.full_name}/{method.name}"
        for file in files
        for service in file.services_by_name.values()
        for method in service.methods
        if method.client_streaming
    }


def _status_trailers(
    code: grpc.StatusCode, details: str | None, trailing: Iterable[tuple[str, str | bytes]]
) -> list[tuple[str, str]]:
    trailers = [("grpc-status", str(code.value[0]))]
    if details:
        trailers.append(("grpc-message", percent_encode(details)))
    trailers += [(name, header_value(value)) for name, value in trailing]
    return trailers


def _error_trailers(error: QuantisError) -> list[tuple[str, str]]:
    status = rpc_status.to_status(to_status(error))
    return _status_trailers(status.code, status.details, status.trailing_metadata)


class GrpcWebBridge:
    def __init__(self, channel: grpc.aio.Channel, cors: CorsPolicy):
        self._channel = channel
        self._cors = cors
        self._client_streaming = client_streaming_paths()
        self._closing = False

    async def close(self, grace: float) -> None:
        """Let calls in flight finish for ``grace`` seconds, then cancel them; a stream cut short
        this way ends UNAVAILABLE, which tells its client to reconnect (as the server does when
        it shuts down)."""
        self._closing = True
        await self._channel.close(grace)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        content_type = request.content_type
        text_request = content_type in GRPC_WEB_TEXT_TYPES
        if not text_request and content_type not in GRPC_WEB_TYPES:
            raise web.HTTPUnsupportedMediaType(
                text="POST gRPC-web requests: application/grpc-web(+proto) or application/grpc-web-text"
            )
        # The request is read as its content type says; the answer is text if either asks for it.
        text = text_request or request.headers.get("accept", "").startswith("application/grpc-web-text")
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/grpc-web-text+proto" if text else "application/grpc-web+proto",
                **self._cors.response_headers(request.headers.get("origin")),
            }
        )
        response.enable_chunked_encoding()

        async def send(frame: bytes) -> None:
            await response.write(framing.encode_text(frame) if text else frame)

        try:
            call = await self._start(request, text_request)
        except QuantisError as error:
            await response.prepare(request)
            await send(framing.trailer_frame(_error_trailers(error)))
            await response.write_eof()
            return response
        try:
            trailers = await self._relay(call, request, response, send)
        finally:
            call.cancel()  # a no-op once the call ended; else the browser left, so the call goes too
        if not response.prepared:
            await response.prepare(request)
        await send(framing.trailer_frame(trailers))
        await response.write_eof()
        return response

    async def _start(self, request: web.Request, text: bool) -> grpc.aio.UnaryStreamCall[bytes, bytes]:
        path = request.path
        if path in self._client_streaming:
            raise Unimplemented(
                f"{path.strip('/')} streams its requests, which gRPC-web cannot carry: call it over gRPC",
                reason="CLIENT_STREAMING_OVER_GRPC_WEB",
            )
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            # What the server answers a message over its limit, not an HTTP error the browser's
            # client can only call UNKNOWN.
            raise ResourceExhausted(
                f"the request is larger than the bridge accepts ({exc.text})",
                reason="REQUEST_TOO_LARGE",
            ) from exc
        message = framing.request_message(framing.decode_text(body) if text else body)
        metadata = request_metadata(request.headers.items(), request.remote)
        timeout = timeout_seconds(request.headers)
        method: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = self._channel.unary_stream(path)
        return method(message, metadata=metadata, timeout=timeout)

    async def _relay(
        self,
        call: grpc.aio.UnaryStreamCall[bytes, bytes],
        request: web.Request,
        response: web.StreamResponse,
        send: Callable[[bytes], Awaitable[None]],
    ) -> list[tuple[str, str]]:
        """Send the response headers and every message as it arrives; return the trailers."""
        try:
            for name, value in await call.initial_metadata() or ():
                response.headers.add(name, header_value(value))
            await response.prepare(request)
            async for message in call:
                await send(framing.message_frame(message))
            return _status_trailers(await call.code(), await call.details(), await call.trailing_metadata())
        except grpc.aio.AioRpcError as error:
            return _status_trailers(error.code(), error.details(), error.trailing_metadata() or ())
        except asyncio.CancelledError:
            # grpc.aio raises this for a call cancelled on this side: by close(), or because the
            # browser left (then this handler's task is being cancelled, and nobody is listening).
            task = asyncio.current_task()
            if not self._closing or (task is not None and task.cancelling()):
                raise
            return _error_trailers(Unavailable("the gRPC-web bridge is shutting down; call again"))
