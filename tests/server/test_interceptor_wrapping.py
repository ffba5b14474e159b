"""Interceptors wrap each method's handler once, and the wrapper still runs around every call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc
import pytest

from server.interceptors.wrapping import WrappingInterceptor, wrap_handler

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context, Handler

SERVICE = "test.Wrapped"


class Tagging(WrappingInterceptor):
    """Records each call's ``x-tag`` metadata, and each time it builds a wrapper."""

    def __init__(self) -> None:
        super().__init__()
        self.built: list[str] = []
        self.seen: list[str] = []

    def wrap(self, handler: Handler, method: str) -> Handler:
        self.built.append(method)
        return wrap_handler(handler, method, self._unary, self._stream)

    def _tag(self, context: Context) -> None:
        self.seen.append(dict(context.invocation_metadata() or ()).get("x-tag", ""))

    async def _unary(self, method: str, context: Context, call: Callable[[], Awaitable[Any]]) -> Any:
        self._tag(context)
        return await call()

    async def _stream(
        self, method: str, context: Context, responses: Callable[[], AsyncIterator[Any]]
    ) -> AsyncIterator[Any]:
        self._tag(context)
        async for response in responses():
            yield response


async def _echo(request: bytes, context: Context) -> bytes:
    return request


async def _twice(request: bytes, context: Context) -> AsyncIterator[bytes]:
    yield request
    yield request


@pytest.fixture
async def served() -> AsyncIterator[tuple[Tagging, grpc.aio.Channel]]:
    interceptor = Tagging()
    server = grpc.aio.server(interceptors=[interceptor])
    handlers = {
        "Echo": grpc.unary_unary_rpc_method_handler(_echo),
        "Twice": grpc.unary_stream_rpc_method_handler(_twice),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield interceptor, channel
    finally:
        await server.stop(None)


async def test_a_method_is_wrapped_once_and_its_wrapper_runs_for_every_call(
    served: tuple[Tagging, grpc.aio.Channel],
) -> None:
    interceptor, channel = served
    echo = channel.unary_unary(f"/{SERVICE}/Echo")
    twice = channel.unary_stream(f"/{SERVICE}/Twice")
    for n in range(3):
        assert await echo(b"e%d" % n, metadata=(("x-tag", f"echo-{n}"),)) == b"e%d" % n
    answers = [answer async for answer in twice(b"t", metadata=(("x-tag", "twice-0"),))]
    answers += [answer async for answer in twice(b"u", metadata=(("x-tag", "twice-1"),))]

    assert answers == [b"t", b"t", b"u", b"u"]
    assert interceptor.seen == ["echo-0", "echo-1", "echo-2", "twice-0", "twice-1"]
    assert interceptor.built == [f"/{SERVICE}/Echo", f"/{SERVICE}/Twice"]


async def test_a_method_served_by_another_handler_is_wrapped_again() -> None:
    interceptor = Tagging()
    first: Handler = grpc.unary_unary_rpc_method_handler(_echo)
    second: Handler = grpc.unary_unary_rpc_method_handler(_echo)
    current = [first]

    async def continuation(details: grpc.HandlerCallDetails) -> Handler:
        return current[0]

    details: Any = type("Details", (), {"method": f"/{SERVICE}/Echo", "invocation_metadata": ()})()
    wrapped = await interceptor.intercept_service(continuation, details)
    assert await interceptor.intercept_service(continuation, details) is wrapped
    current[0] = second
    rewrapped = await interceptor.intercept_service(continuation, details)

    assert rewrapped is not wrapped
    assert interceptor.built == [f"/{SERVICE}/Echo"] * 2


async def test_an_unknown_method_is_left_to_grpc() -> None:
    interceptor = Tagging()

    async def continuation(details: grpc.HandlerCallDetails) -> None:
        return None

    details: Any = type("Details", (), {"method": "/nope/Nothing", "invocation_metadata": ()})()
    assert await interceptor.intercept_service(continuation, details) is None
    assert interceptor.built == []
