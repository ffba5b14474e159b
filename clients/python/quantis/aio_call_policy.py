"""The asyncio channel's interceptor: the same policy as ``quantis.call_policy``, awaited.

Unary and server-streaming calls raise ``quantis.errors`` exceptions; the
bidirectional StreamPredict call is handed back as the plain call (so that its
``write``/``read`` keep working) and ``AsyncClient.forecast_many`` translates its
errors itself.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from quantis import errors
from quantis.call_policy import PUBLIC
from quantis.credentials import Credentials
from quantis.retries import RetryPolicy, conflict_pause


async def _translated(call: Any) -> AsyncIterator[Any]:
    try:
        async for response in call:
            yield response
    except grpc.aio.AioRpcError as error:
        raise errors.from_call(error) from None


class _Policy:
    def __init__(
        self,
        credentials: Credentials,
        refresh: Callable[[str], Awaitable[None]],
        timeout: float | None,
        retry: RetryPolicy | None,
    ):
        self._credentials = credentials
        self._refresh = refresh
        self._timeout = timeout
        self._retry = retry

    async def _prepare(
        self, details: grpc.aio.ClientCallDetails, unary: bool, deadline: float | None = None
    ) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        # grpc.aio hands the method over as bytes.
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        if method not in PUBLIC:
            if self._credentials.needs_refresh() and self._credentials.tokens:
                await self._refresh(self._credentials.tokens.access_token)
            for key, value in self._credentials.metadata():
                metadata.add(key, value)
        timeout = details.timeout if details.timeout is not None else (self._timeout if unary else None)
        if deadline is not None:  # a call sent again: what is left of its deadline
            timeout = max(deadline - time.monotonic(), 0.0)
        return grpc.aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def _refreshed(self, sent: grpc.aio.ClientCallDetails) -> bool:
        pairs = [(str(k), str(v)) for k, v in sent.metadata or ()]
        token = self._credentials.sent_token(pairs)
        if not token or not self._credentials.can_refresh():
            return False
        await self._refresh(token)
        return True


class _UnaryUnary(_Policy, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        prepared = await self._prepare(details, unary=True)
        deadline = None if prepared.timeout is None else time.monotonic() + prepared.timeout
        for attempt in itertools.count(1):
            try:
                return await self._answer(continuation, details, request, prepared, deadline)
            except errors.QuantisError as error:
                pause = conflict_pause(error, attempt, self._retry, deadline)
                if pause is None:
                    raise
            await asyncio.sleep(pause)
            prepared = await self._prepare(details, unary=True, deadline=deadline)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _answer(
        self, continuation: Any, details: Any, request: Any, prepared: Any, deadline: float | None
    ) -> Any:
        """One attempt, and once more after UNAUTHENTICATED with a renewed access token."""
        try:
            return await (await continuation(prepared, request))
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.UNAUTHENTICATED or not await self._refreshed(prepared):
                raise errors.from_call(error) from None
        try:
            return await (await continuation(await self._prepare(details, True, deadline), request))
        except grpc.aio.AioRpcError as error:
            raise errors.from_call(error) from None


class _UnaryStream(_Policy, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return _translated(await continuation(await self._prepare(details, unary=False), request))


class _StreamUnary(_Policy, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        try:
            return await (await continuation(await self._prepare(details, unary=True), request_iterator))
        except grpc.aio.AioRpcError as error:
            raise errors.from_call(error) from None


class _StreamStream(_Policy, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await continuation(await self._prepare(details, unary=False), request_iterator)


def call_policy(
    credentials: Credentials,
    refresh: Callable[[str], Awaitable[None]],
    timeout: float | None,
    retry: RetryPolicy | None = None,
) -> list[grpc.aio.ClientInterceptor]:
    """The interceptors of an AsyncClient's channel; grpc.aio files each object under one call kind only,
    hence one per kind."""
    kinds = (_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream)
    return [kind(credentials, refresh, timeout, retry) for kind in kinds]
