"""Wrap the behaviour of any gRPC method handler, whatever its streaming kind.

An interceptor here is given a method handler, not a call; to run code around
the call it returns a new handler whose behaviour wraps the original.
grpc tells streaming behaviours apart with inspect.isasyncgenfunction, so the
stream wrappers are async generator functions themselves.
This module does that once for the four kinds, so each interceptor states only
what it does around a call.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

import grpc
from google.protobuf.message import DecodeError

from server.contracts import MethodRule
from server.errors import InvalidArgument

if TYPE_CHECKING:
    Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]

Behaviour: TypeAlias = Callable[..., Any]
# Runs around one call: (method, context, call) -> result, where call() runs the handler.
UnaryAround: TypeAlias = "Callable[[str, Context, Callable[[], Awaitable[Any]]], Awaitable[Any]]"
# Runs around one streaming response: (method, context, stream) -> stream.
StreamAround: TypeAlias = "Callable[[str, Context, Callable[[], AsyncIterator[Any]]], AsyncIterator[Any]]"
# The same, also given the request: the message, or for client-streaming calls the request iterator.
RequestUnaryAround: TypeAlias = "Callable[[str, Context, Any, Callable[[], Awaitable[Any]]], Awaitable[Any]]"
RequestStreamAround: TypeAlias = (
    "Callable[[str, Context, Any, Callable[[], AsyncIterator[Any]]], AsyncIterator[Any]]"
)


async def _call_unary(behaviour: Behaviour, request: Any, context: Context) -> Any:
    result = behaviour(request, context)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _iterate(behaviour: Behaviour, request: Any, context: Context) -> AsyncIterator[Any]:
    result = behaviour(request, context)
    if inspect.isawaitable(result):  # a coroutine that writes with context.write()
        await result
        return
    async for response in result:
        yield response


def wrap_handler(handler: Handler, method: str, unary: UnaryAround, stream: StreamAround) -> Handler:
    """A copy of ``handler`` whose behaviour runs inside ``unary`` or ``stream``."""
    return wrap_handler_with_request(
        handler,
        method,
        lambda method, context, _, call: unary(method, context, call),
        lambda method, context, _, responses: stream(method, context, responses),
    )


def wrap_handler_with_request(
    handler: Handler, method: str, unary: RequestUnaryAround, stream: RequestStreamAround
) -> Handler:
    """Like wrap_handler, for interceptors that look at the request too (audit)."""
    serializers = (handler.request_deserializer, handler.response_serializer)
    if handler.unary_unary is not None or handler.stream_unary is not None:
        single: Behaviour | None = handler.unary_unary or handler.stream_unary
        assert single is not None

        # Every layer, and the servicers, are coroutine functions: no coroutine between them.
        inner = single if inspect.iscoroutinefunction(single) else functools.partial(_call_unary, single)

        async def call_unary(request: Any, context: Context) -> Any:
            return await unary(method, context, request, lambda: inner(request, context))

        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(call_unary, *serializers)
        return grpc.stream_unary_rpc_method_handler(call_unary, *serializers)

    streaming: Behaviour | None = handler.unary_stream or handler.stream_stream
    assert streaming is not None, "a method handler has exactly one behaviour"

    async def call_stream(request: Any, context: Context) -> AsyncIterator[Any]:
        async for response in stream(method, context, request, lambda: _iterate(streaming, request, context)):
            yield response

    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(call_stream, *serializers)
    return grpc.stream_stream_rpc_method_handler(call_stream, *serializers)


def guard_handler(handler: Handler, method: str, check: Callable[[Context], Awaitable[None]]) -> Handler:
    """A copy of ``handler`` that first awaits ``check(context)``, which may raise to refuse the call."""

    async def unary(method: str, context: Context, call: Callable[[], Awaitable[Any]]) -> Any:
        await check(context)
        return await call()

    async def stream(
        method: str, context: Context, responses: Callable[[], AsyncIterator[Any]]
    ) -> AsyncIterator[Any]:
        await check(context)
        async for response in responses():
            yield response

    return wrap_handler(handler, method, unary, stream)


class Undecodable:
    """What a request's bytes became when they are not a message of the method's request type."""

    def __init__(self, error: DecodeError):
        self.error = error


def _checked(request: Any) -> Any:
    if isinstance(request, Undecodable):
        raise InvalidArgument(
            f"the request is not a valid message of the method's request type: {request.error}",
            reason="MALFORMED_REQUEST",
        )
    return request


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        yield _checked(request)


def decoding_checked(handler: Handler) -> Handler:
    """``handler`` refusing bytes that are no message of its request type with INVALID_ARGUMENT.

    grpc answers a request deserializer that raises with UNKNOWN ("Unexpected <class
    'DecodeError'>"), before any layer runs. Here the deserializer hands on an Undecodable
    instead, and the servicer's behaviour raises for it: inside the layers, so the caller is
    authenticated and audited first and the error layer words the answer.
    """
    parse = handler.request_deserializer
    if parse is None:
        return handler

    def tolerant(data: bytes) -> Any:
        try:
            return parse(data)
        except DecodeError as error:
            return Undecodable(error)

    serializers = (tolerant, handler.response_serializer)
    if handler.unary_unary is not None or handler.stream_unary is not None:
        single: Behaviour | None = handler.unary_unary or handler.stream_unary
        assert single is not None

        inner = single if inspect.iscoroutinefunction(single) else functools.partial(_call_unary, single)
        one_request = handler.unary_unary is not None

        async def call_unary(request: Any, context: Context) -> Any:
            return await inner(_checked(request) if one_request else _checked_stream(request), context)

        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(call_unary, *serializers)
        return grpc.stream_unary_rpc_method_handler(call_unary, *serializers)

    streaming: Behaviour | None = handler.unary_stream or handler.stream_stream
    assert streaming is not None, "a method handler has exactly one behaviour"

    one_request = handler.unary_stream is not None

    async def call_stream(request: Any, context: Context) -> AsyncIterator[Any]:
        checked = _checked(request) if one_request else _checked_stream(request)
        async for response in _iterate(streaming, checked, context):
            yield response

    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(call_stream, *serializers)
    return grpc.stream_stream_rpc_method_handler(call_stream, *serializers)


class WrappingInterceptor:
    """An interceptor that runs code around calls by wrapping their method handlers.

    The wrapper of a method's handler is the same for every call: the server builds it once
    per method (see LayeredHandlers) and reuses it. Subclasses implement ``wrap``.
    """

    def wrap(self, handler: Handler, method: str) -> Handler:
        """The handler that serves ``method`` instead of ``handler`` (``handler`` to leave it as it is)."""
        raise NotImplementedError


class LayeredHandlers(grpc.GenericRpcHandler):
    """A generic handler whose method handlers run inside ``layers`` (outermost first), and
    refuse requests that are no message of their type (``decoding_checked``).

    This is what passing the layers to ``grpc.aio.server(interceptors=...)`` would do, without
    grpc.aio's interceptor pipeline: that pipeline awaits every interceptor on every call (two
    coroutines and a partial each) only to be handed back the wrapper built for the method on
    its first call. Here the wrapper is built once per method and looked up once per call.
    """

    def __init__(self, handlers: grpc.GenericRpcHandler, layers: Sequence[WrappingInterceptor]):
        self._handlers = handlers
        self._layers = tuple(reversed(layers))  # innermost first, the order they wrap in
        self._wrapped: dict[str, tuple[Handler, Handler]] = {}  # method -> (handler, its wrapper)

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        handler = self._handlers.service(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is None or cached[0] is not handler:
            wrapped = decoding_checked(handler)
            for layer in self._layers:
                wrapped = layer.wrap(wrapped, method)
            cached = self._wrapped[method] = (handler, wrapped)
        return cached[1]


class RuleGuard(WrappingInterceptor):
    """An interceptor that vets every quantis.v1 call against its method's rule before it runs.

    Subclasses implement ``check(rule, context)``; methods without a rule (health,
    reflection) pass through untouched.
    """

    def __init__(self, rules: Mapping[str, MethodRule]):
        self._rules = dict(rules)

    async def check(self, rule: MethodRule, context: Context) -> None:
        raise NotImplementedError

    def wrap(self, handler: Handler, method: str) -> Handler:
        rule = self._rules.get(method)
        if rule is None:
            return handler
        return guard_handler(handler, rule.path, partial(self.check, rule))
