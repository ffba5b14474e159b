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
from server.observability.rpc_counts import MethodSeries
from server.observability.tracing import incoming_context, tracer_of
from server.randomness import random_hex

log = logging.getLogger("server.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# A call without traceparent starts a trace of its own, whatever context its task inherited.
_NO_PARENT = otel_context.Context()
# Codes that mark a server span as failed (OpenTelemetry's RPC conventions): the server's fault.
_SERVER_ERRORS = frozenset(
    {"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"}
)


def _caller_ids(metadata: Any) -> tuple[str, bool]:
    """The caller's request id (a new one when it sent none usable), and whether it sent a trace."""
    request_id, traced = "", False
    for key, value in metadata or ():
        if key == "x-request-id" and not request_id and isinstance(value, str) and _CLIENT_ID.match(value):
            request_id = value
        elif key == "traceparent":
            traced = True
    return request_id or random_hex(), traced


def _kind(handler: Handler) -> str:
    if handler.unary_unary is not None:
        return "unary"
    if handler.stream_unary is not None:
        return "client_stream"
    return "server_stream" if handler.unary_stream is not None else "bidi_stream"


@dataclass(frozen=True)
class _Method:
    """What every call of one method shares, made once when the services are registered."""

    path: str
    span_name: str
    attributes: dict[str, str]
    series: MethodSeries | None


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
        _, service, name = RpcMetrics.labels(method, kind)
        attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}
        series = self._metrics.series(method, kind) if self._metrics else None
        shared = _Method(method, method.strip("/"), attributes, series)

        async def unary(method: str, context: Context, call: Callable[[], Awaitable[Any]]) -> Any:
            call_state = self._start(shared, context)
            try:
                return await call()
            finally:
                self._finish(shared, context, call_state)

        async def stream(
            method: str, context: Context, responses: Callable[[], AsyncIterator[Any]]
        ) -> AsyncIterator[Any]:
            call_state = self._start(shared, context)
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
                self._finish(shared, context, call_state, cancelled=cancelled)

        return wrap_handler(handler, method, unary, stream)

    def _start(self, method: _Method, context: Context) -> _CallState:
        metadata = context.invocation_metadata()
        request_id, traced = _caller_ids(metadata)
        request_id_var.set(request_id)
        parent = incoming_context(metadata) if traced else _NO_PARENT
        span = self._tracer.start_span(
            method.span_name,
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={**method.attributes, "quantis.request_id": request_id},
        )
        otel_context.attach(trace.set_span_in_context(span, parent))
        if method.series:
            method.series.started += 1
        # Echoed in the trailers, not as a header: a call that has received headers is committed
        # and gRPC clients no longer retry it, even when it fails with UNAVAILABLE (gRFC A6).
        context.set_trailing_metadata((("x-request-id", request_id),))
        # The peer is read now: once a cancelled stream's call is gone, asking for it crashes.
        return _CallState(time.perf_counter(), span, context.peer())

    def _finish(
        self, method: _Method, context: Context, call: _CallState, *, cancelled: bool = False
    ) -> None:
        started, span = call.started, call.span
        status = grpc.StatusCode.CANCELLED if cancelled else (context.code() or grpc.StatusCode.OK)
        code = status.name if isinstance(status, grpc.StatusCode) else str(status)
        seconds = time.perf_counter() - started
        if method.series:
            method.series.finished(code, seconds)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "rpc",
                extra={
                    "method": method.path,
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
