"""The one place domain errors become gRPC statuses, with google.rpc details.

Every QuantisError maps by class to a status code; the status always carries an
ErrorInfo with the error's reason, plus BadRequest, PreconditionFailure,
RetryInfo or ResourceInfo where they apply. A database or Redis outage
becomes UNAVAILABLE (server.interceptors.outages). Anything unexpected becomes INTERNAL
with a reference id that is in the log next to the traceback; the client never
sees the exception text.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from server import errors
from server.db.database import NUL_IN_TEXT
from server.interceptors.outages import as_retryable
from server.interceptors.wrapping import WrappingInterceptor, wrap_handler_with_request

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context, Handler
from server.logs import request_id_var

log = logging.getLogger("server.errors")

ERROR_DOMAIN = "quantis.v1"

_CODES: dict[type[errors.QuantisError], int] = {
    errors.InvalidArgument: code_pb2.INVALID_ARGUMENT,
    errors.NotFound: code_pb2.NOT_FOUND,
    errors.AlreadyExists: code_pb2.ALREADY_EXISTS,
    errors.FailedPrecondition: code_pb2.FAILED_PRECONDITION,
    errors.OutOfRange: code_pb2.OUT_OF_RANGE,
    errors.Unauthenticated: code_pb2.UNAUTHENTICATED,
    errors.PermissionDenied: code_pb2.PERMISSION_DENIED,
    errors.ResourceExhausted: code_pb2.RESOURCE_EXHAUSTED,
    errors.Aborted: code_pb2.ABORTED,
    errors.Unavailable: code_pb2.UNAVAILABLE,
    errors.DeadlineExceeded: code_pb2.DEADLINE_EXCEEDED,
    errors.Unimplemented: code_pb2.UNIMPLEMENTED,
    errors.Internal: code_pb2.INTERNAL,
}


# A status travels in the trailers, which clients refuse past 8 KiB (gRPC's default soft limit):
# text that echoes what the caller sent (a 6,000-character id, a column name) is cut to these.
MAX_MESSAGE = 1000
MAX_DETAIL = 300


def _clip(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _retry_info(seconds: float) -> error_details_pb2.RetryInfo:
    delay = duration_pb2.Duration()
    delay.FromNanoseconds(int(seconds * 1e9))
    return error_details_pb2.RetryInfo(retry_delay=delay)


def _details(error: errors.QuantisError) -> list[Any]:
    details: list[Any] = [
        error_details_pb2.ErrorInfo(
            reason=error.reason,
            domain=ERROR_DOMAIN,
            metadata={_clip(key): _clip(value) for key, value in error.metadata.items()},
        )
    ]
    if isinstance(error, errors.InvalidArgument) and error.violations:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=_clip(v.field), description=_clip(v.description)
                    )
                    for v in error.violations[:10]
                ]
            )
        )
    if isinstance(error, errors.FailedPrecondition) and error.violations:
        details.append(
            error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type=v.type, subject=_clip(v.subject), description=_clip(v.description)
                    )
                    for v in error.violations[:10]
                ]
            )
        )
    if isinstance(error, errors.RetryableError) and error.retry_after_seconds:
        details.append(_retry_info(error.retry_after_seconds))
    if isinstance(error, errors.NotFound):
        details.append(
            error_details_pb2.ResourceInfo(
                resource_type=error.resource_type, resource_name=_clip(error.resource_id)
            )
        )
    return details


def to_status(error: errors.QuantisError) -> status_pb2.Status:
    """The google.rpc.Status a domain error is reported as."""
    code = next((c for cls, c in _CODES.items() if isinstance(error, cls)), code_pb2.UNKNOWN)
    return status_pb2.Status(
        code=code, message=_clip(error.message, MAX_MESSAGE), details=[_pack(d) for d in _details(error)]
    )


def unimplemented(exc: BaseException) -> bool:
    """Whether ``exc`` is the NotImplementedError of a generated servicer base class: an RPC the
    servicer does not define. One raised further in (a library that cannot handle the input) is
    an internal error, not an RPC that is "not implemented yet"."""
    if not isinstance(exc, NotImplementedError):
        return False
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.endswith("_pb2_grpc.py")


def reported_as(exc: BaseException, method: str = "the method") -> errors.QuantisError | None:
    """The domain error the caller is answered for ``exc``; None for an unexpected error, which is
    answered INTERNAL."""
    if isinstance(exc, errors.QuantisError):
        return exc
    if unimplemented(exc):
        return errors.Unimplemented(f"{method} is not implemented yet", reason="NOT_IMPLEMENTED")
    return as_retryable(exc)


def _as_domain_error(exc: Exception, method: str) -> errors.QuantisError:
    if (reported := reported_as(exc, method)) is not None:
        if reported is not exc and isinstance(reported, errors.Unavailable | errors.Aborted):
            log.warning("%s failed: %s", method, reported.reason, extra={"method": method})
        return reported
    reference = request_id_var.get() or "unknown"
    log.error("unhandled error in %s", method, exc_info=exc, extra={"method": method})
    return errors.Internal(f"internal error; reference {reference}", metadata={"reference": reference})


async def _abort(context: Context, exc: Exception, method: str) -> NoReturn:
    status = rpc_status.to_status(to_status(_as_domain_error(exc, method)))
    # The status details replace the trailers set so far: keep the request id among them.
    trailers = (*status.trailing_metadata, ("x-request-id", request_id_var.get() or "unknown"))
    await context.abort(status.code, status.details, trailers)
    raise AssertionError("abort_with_status returned")  # pragma: no cover


def nul_fields(message: Message, prefix: str = "") -> list[str]:
    """The paths of the text fields of ``message`` that hold a NUL character."""
    found = []
    for field, value in message.ListFields():
        path = prefix + field.name
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            found += [f"{path}[{key!r}]" for key, item in value.items() if "\0" in f"{key}{item}"]
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            items = value if field.is_repeated else [value]
            for i, item in enumerate(items):
                found += nul_fields(item, f"{path}[{i}]." if field.is_repeated else f"{path}.")
        elif field.type == FieldDescriptor.TYPE_STRING:
            items = value if field.is_repeated else [value]
            found += [f"{path}[{i}]" if field.is_repeated else path for i, t in enumerate(items) if "\0" in t]
    return found


class ErrorInterceptor(WrappingInterceptor):
    def wrap(self, handler: Handler, method: str) -> Handler:
        return wrap_handler_with_request(handler, method, self._unary, self._stream)

    @staticmethod
    async def _unary(method: str, context: Context, request: Any, call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await call()
        except grpc.aio.AbortError:
            raise
        except errors.InvalidArgument as exc:
            if exc.reason == NUL_IN_TEXT and not exc.violations and isinstance(request, Message):
                description = "text fields cannot hold a NUL character"
                exc.violations = [errors.FieldViolation(path, description) for path in nul_fields(request)]
            await _abort(context, exc, method)
        except Exception as exc:
            await _abort(context, exc, method)

    @staticmethod
    async def _stream(
        method: str, context: Context, request: Any, stream: Callable[[], AsyncIterator[Any]]
    ) -> AsyncIterator[Any]:
        try:
            async for response in stream():
                yield response
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            await _abort(context, exc, method)
