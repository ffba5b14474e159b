"""Outermost interceptor: gives every call a request id and writes one access-log line."""

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

log = logging.getLogger("server.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _request_id(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str) and _CLIENT_ID.match(value):
            return value
    return uuid.uuid4().hex


def _log(method: str, context: Context, started: float) -> None:
    code = context.code() or grpc.StatusCode.OK
    log.info(
        "rpc",
        extra={
            "method": method,
            "code": code.name if isinstance(code, grpc.StatusCode) else str(code),
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "peer": context.peer(),
        },
    )


class RequestContextInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Continuation,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        return wrap_handler(handler, handler_call_details.method, self._unary, self._stream)

    async def _start(self, context: Context) -> float:
        request_id = _request_id(context)
        request_id_var.set(request_id)
        await context.send_initial_metadata((("x-request-id", request_id),))
        return time.perf_counter()

    async def _unary(self, method: str, context: Context, call: Callable[[], Awaitable[Any]]) -> Any:
        started = await self._start(context)
        try:
            return await call()
        finally:
            _log(method, context, started)

    async def _stream(
        self, method: str, context: Context, stream: Callable[[], AsyncIterator[Any]]
    ) -> AsyncIterator[Any]:
        started = await self._start(context)
        try:
            async for response in stream():
                yield response
        finally:
            _log(method, context, started)
