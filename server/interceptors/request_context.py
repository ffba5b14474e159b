"""Outermost interceptor: a request id for every call, one access-log line, and RPC metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc

from server.interceptors.wrapping import wrap_handler

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context, Continuation, Handler
from server.logs import request_id_var
from server.observability.metrics import RpcMetrics

log = logging.getLogger("server.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _request_id(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str) and _CLIENT_ID.match(value):
            return value
    return uuid.uuid4().hex


def _kind(handler: Handler) -> str:
    if handler.unary_unary is not None:
        return "unary"
    if handler.stream_unary is not None:
        return "client_stream"
    return "server_stream" if handler.unary_stream is not None else "bidi_stream"


class RequestContextInterceptor(grpc.aio.ServerInterceptor):
    """Request id, one access-log line per call, and the gRPC server metrics."""

    def __init__(self, metrics: RpcMetrics | None = None):
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Continuation,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        kind = _kind(handler)

        async def unary(method: str, context: Context, call: Callable[[], Awaitable[Any]]) -> Any:
            started = await self._start(method, kind, context)
            try:
                return await call()
            finally:
                self._finish(method, kind, context, started)

        async def stream(
            method: str, context: Context, responses: Callable[[], AsyncIterator[Any]]
        ) -> AsyncIterator[Any]:
            started = await self._start(method, kind, context)
            if self._metrics:
                self._metrics.stream_opened()
            try:
                async for response in responses():
                    yield response
            finally:
                if self._metrics:
                    self._metrics.stream_closed()
                self._finish(method, kind, context, started)

        return wrap_handler(handler, handler_call_details.method, unary, stream)

    async def _start(self, method: str, kind: str, context: Context) -> float:
        request_id = _request_id(context)
        request_id_var.set(request_id)
        if self._metrics:
            self._metrics.started.labels(*self._metrics.labels(method, kind)).inc()
        await context.send_initial_metadata((("x-request-id", request_id),))
        return time.perf_counter()

    def _finish(self, method: str, kind: str, context: Context, started: float) -> None:
        status = context.code() or grpc.StatusCode.OK
        code = status.name if isinstance(status, grpc.StatusCode) else str(status)
        seconds = time.perf_counter() - started
        if self._metrics:
            self._metrics.record(method, kind, code, seconds)
        log.info(
            "rpc",
            extra={
                "method": method,
                "code": code,
                "duration_ms": round(seconds * 1000, 3),
                "peer": context.peer(),
            },
        )
