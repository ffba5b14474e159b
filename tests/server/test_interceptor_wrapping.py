"""Interceptors wrap each method's handler once, and the wrapper still runs around every call,
inside the interceptors listed before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc
import pytest

from server.interceptors.wrapping import LayeredHandlers, WrappingInterceptor, wrap_handler

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context, Handler

SERVICE = "test.Wrapped"


class Tagging(WrappingInterceptor):
    """Records each call's ``x-tag`` metadata, and each time it builds a wrapper."""

    def __init__(self, seen: list[str] | None = None, name: str = "") -> None:
        self.built: list[str] = []
        self.seen: list[str] = [] if seen is None else seen
        self.name = name

    def wrap(self, handler: Handler, method: str) -> Handler:
        self.built.append(method)
        return wrap_handler(handler, method, self._unary, self._stream)

    def _tag(self, context: Context) -> None:
        self.seen.append(self.name + dict(context.invocation_metadata() or ()).get("x-tag", ""))

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


class _Serving:
    """A generic handler that serves ``current`` for every method under SERVICE."""

    def __init__(self, handler: Handler | None) -> None:
        self.current = handler

    def service(self, details: grpc.HandlerCallDetails) -> Handler | None:
        return self.current if details.method.startswith(f"/{SERVICE}/") else None


def _details(method: str) -> Any:
    return type("Details", (), {"method": method, "invocation_metadata": ()})()


@pytest.fixture
async def served() -> AsyncIterator[tuple[list[Tagging], grpc.aio.Channel]]:
    seen: list[str] = []
    outer, inner = Tagging(seen, "outer:"), Tagging(seen, "inner:")
    server = grpc.aio.server()
    handlers = {
        "Echo": grpc.unary_unary_rpc_method_handler(_echo),
        "Twice": grpc.unary_stream_rpc_method_handler(_twice),
    }
    generic = grpc.method_handlers_generic_handler(SERVICE, handlers)
    server.add_generic_rpc_handlers((LayeredHandlers(generic, [outer, inner]),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield [outer, inner], channel
    finally:
        await server.stop(None)


async def test_a_method_is_wrapped_once_and_its_wrapper_runs_for_every_call(
    served: tuple[list[Tagging], grpc.aio.Channel],
) -> None:
    (outer, inner), channel = served
    echo = channel.unary_unary(f"/{SERVICE}/Echo")
    twice = channel.unary_stream(f"/{SERVICE}/Twice")
    for n in range(3):
        assert await echo(b"e%d" % n, metadata=(("x-tag", f"echo-{n}"),)) == b"e%d" % n
    answers = [answer async for answer in twice(b"t", metadata=(("x-tag", "twice-0"),))]
    answers += [answer async for answer in twice(b"u", metadata=(("x-tag", "twice-1"),))]

    assert answers == [b"t", b"t", b"u", b"u"]
    calls = ["echo-0", "echo-1", "echo-2", "twice-0", "twice-1"]
    assert outer.seen == [f"{layer}:{call}" for call in calls for layer in ("outer", "inner")]
    assert outer.built == inner.built == [f"/{SERVICE}/Echo", f"/{SERVICE}/Twice"]


def test_a_method_served_by_another_handler_is_wrapped_again() -> None:
    interceptor = Tagging()
    first: Handler = grpc.unary_unary_rpc_method_handler(_echo)
    second: Handler = grpc.unary_unary_rpc_method_handler(_echo)
    serving = _Serving(first)
    layered = LayeredHandlers(serving, [interceptor])
    details = _details(f"/{SERVICE}/Echo")

    wrapped = layered.service(details)
    assert wrapped is not None and wrapped is not first
    assert layered.service(details) is wrapped
    serving.current = second
    rewrapped = layered.service(details)

    assert rewrapped is not wrapped
    assert interceptor.built == [f"/{SERVICE}/Echo"] * 2


def test_an_unknown_method_is_left_to_grpc() -> None:
    interceptor = Tagging()
    layered = LayeredHandlers(_Serving(grpc.unary_unary_rpc_method_handler(_echo)), [interceptor])

    assert layered.service(_details("/nope/Nothing")) is None
    assert interceptor.built == []
