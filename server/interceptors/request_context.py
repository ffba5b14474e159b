"""Outermost interceptor: a request id for every call, a server span, one access-log line,
and RPC metrics.

The span continues the caller's trace when the call carries W3C ``traceparent``
metadata. It is made current for the rest of the call (database and backend
spans become its children; logs and audit records read its trace id) without
being detached afterwards: like the request id, it lives in the context of
the task grpc.aio runs each call in.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace

from server.interceptors.wrapping import WrappingInterceptor, wrap_handler

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context, Handler
from server.logs import request_id_var
from server.observability.metrics import RpcMetrics
from server.observability.tracing import incoming_context, tracer_of
from server.randomness import random_hex

log = logging.getLogger("server.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Codes that mark a server span as failed (OpenTelemetry's RPC conventions): the server's fault.
_SERVER_ERRORS = frozenset(
    {"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"}
)


def _request_id(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str) and _CLIENT_ID.match(value):
            return value
    return random_hex()


def _kind(handler: Handler) -> str:
    if handler.unary_unary is not None:
        return "unary"
    if handler.stream_unary is not None:
        return "client_stream"
    return "server_stream" if handler.unary_stream is not None else "bidi_stream"


@dataclass(frozen=True)
class _CallState:
    started: float
    span: trace.Span
    peer: str


class RequestContextInterceptor(WrappingInterceptor):
    """Request id, a server span, one access-log line per call, and the gRPC server metrics."""

    def __init__(self, metrics: RpcMetrics | None = None, tracer: trace.Tracer | None = None):
        self._metrics = metrics
        self._tracer = tracer or tracer_of(None)

    def wrap(self, handler: Handler, method: str) -> Handler:
        kind = _kind(handler)

        async def unary(method: str, context: Context, call: Callable[[], Awaitable[Any]]) -> Any:
            call_state = await self._start(method, kind, context)
            try:
                return await call()
            finally:
                self._finish(method, kind, context, call_state)

        async def stream(
            method: str, context: Context, responses: Callable[[], AsyncIterator[Any]]
        ) -> AsyncIterator[Any]:
            call_state = await self._start(method, kind, context)
            if self._metrics:
                self._metrics.stream_opened()
            cancelled = False
            try:
                async for response in responses():
                    yield response
            except (GeneratorExit, asyncio.CancelledError):
                cancelled = True  # the client went away: the call may be gone already
                raise
            finally:
                if self._metrics:
                    self._metrics.stream_closed()
                self._finish(method, kind, context, call_state, cancelled=cancelled)

        return wrap_handler(handler, method, unary, stream)

    async def _start(self, method: str, kind: str, context: Context) -> _CallState:
        request_id = _request_id(context)
        request_id_var.set(request_id)
        _, service, name = RpcMetrics.labels(method, kind)
        parent = incoming_context(context.invocation_metadata())
        span = self._tracer.start_span(
            method.strip("/"),
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={
                "rpc.system": "grpc",
                "rpc.service": service,
                "rpc.method": name,
                "quantis.request_id": request_id,
            },
        )
        otel_context.attach(trace.set_span_in_context(span, parent))
        if self._metrics:
            self._metrics.call_started(method, kind)
        # Echoed in the trailers, not as a header: a call that has received headers is committed
        # and gRPC clients no longer retry it, even when it fails with UNAVAILABLE (gRFC A6).
        context.set_trailing_metadata((("x-request-id", request_id),))
        # The peer is read now: once a cancelled stream's call is gone, asking for it crashes.
        return _CallState(time.perf_counter(), span, context.peer())

    def _finish(
        self, method: str, kind: str, context: Context, call: _CallState, *, cancelled: bool = False
    ) -> None:
        started, span = call.started, call.span
        status = grpc.StatusCode.CANCELLED if cancelled else (context.code() or grpc.StatusCode.OK)
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
                "peer": call.peer,
            },
        )
        if isinstance(status, grpc.StatusCode):
            span.set_attribute("rpc.grpc.status_code", status.value[0])
        if code in _SERVER_ERRORS:
            span.set_status(trace.StatusCode.ERROR, code)
        span.end()
