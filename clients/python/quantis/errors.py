"""Typed exceptions for failed calls, built from the server's google.rpc.Status.

The server puts a google.rpc.Status in the ``grpc-status-details-bin`` trailer of
every failure: an ErrorInfo always, plus BadRequest, PreconditionFailure,
RetryInfo or ResourceInfo where they apply. Callers should not have to unpack
Any messages to learn which field was wrong or when to retry, so each status code
becomes its own exception class carrying those details as plain attributes.
Every class is also a ``grpc.RpcError``, so code that catches that keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request, as named by the server (``cash_flows[1].currency_code``)."""

    field: str
    description: str


@dataclass(frozen=True)
class PreconditionViolation:
    type: str
    subject: str
    description: str


class QuantisError(grpc.RpcError):
    """A call that failed with a non-OK status; subclasses name the status code."""

    status_code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, status: status_pb2.Status | None = None):
        super().__init__(message)
        self.message = message
        self.status = status or status_pb2.Status(code=self.status_code.value[0], message=message)
        self.reason = ""
        self.domain = ""
        self.metadata: dict[str, str] = {}
        self.field_violations: list[FieldViolation] = []
        self.precondition_violations: list[PreconditionViolation] = []
        self.retry_delay: float | None = None
        self.resource_type = ""
        self.resource_name = ""
        self._read_details()

    def _read_details(self) -> None:
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        failure, retry = error_details_pb2.PreconditionFailure(), error_details_pb2.RetryInfo()
        resource = error_details_pb2.ResourceInfo()
        for detail in self.status.details:
            if detail.Unpack(info):
                self.reason, self.domain, self.metadata = info.reason, info.domain, dict(info.metadata)
            elif detail.Unpack(bad):
                self.field_violations = [FieldViolation(v.field, v.description) for v in bad.field_violations]
            elif detail.Unpack(failure):
                self.precondition_violations = [
                    PreconditionViolation(v.type, v.subject, v.description) for v in failure.violations
                ]
            elif detail.Unpack(retry):
                self.retry_delay = retry.retry_delay.ToNanoseconds() / 1e9
            elif detail.Unpack(resource):
                self.resource_type, self.resource_name = resource.resource_type, resource.resource_name

    def code(self) -> grpc.StatusCode:
        """The status code, as ``grpc.Call.code()`` gives it."""
        return self.status_code

    def details(self) -> str:
        return self.message

    def __str__(self) -> str:
        return f"{self.status_code.name}: {self.message}"


class Cancelled(QuantisError):
    status_code = grpc.StatusCode.CANCELLED


class Unknown(QuantisError):
    status_code = grpc.StatusCode.UNKNOWN


class InvalidArgument(QuantisError):
    status_code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(QuantisError):
    status_code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(QuantisError):
    status_code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(QuantisError):
    status_code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(QuantisError):
    status_code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(QuantisError):
    """Rate limited or the inference queue is full; ``retry_delay`` says when to try again."""

    status_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(QuantisError):
    status_code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(QuantisError):
    status_code = grpc.StatusCode.ABORTED


class OutOfRange(QuantisError):
    status_code = grpc.StatusCode.OUT_OF_RANGE


class Unimplemented(QuantisError):
    status_code = grpc.StatusCode.UNIMPLEMENTED


class Internal(QuantisError):
    status_code = grpc.StatusCode.INTERNAL


class Unavailable(QuantisError):
    status_code = grpc.StatusCode.UNAVAILABLE


class DataLoss(QuantisError):
    status_code = grpc.StatusCode.DATA_LOSS


class Unauthenticated(QuantisError):
    status_code = grpc.StatusCode.UNAUTHENTICATED


_BY_CODE: dict[int, type[QuantisError]] = {
    cls.status_code.value[0]: cls
    for cls in (
        Cancelled,
        Unknown,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        ResourceExhausted,
        FailedPrecondition,
        Aborted,
        OutOfRange,
        Unimplemented,
        Internal,
        Unavailable,
        DataLoss,
        Unauthenticated,
    )
}


def from_status(status: status_pb2.Status) -> QuantisError:
    """The exception for a google.rpc.Status (also used for per-request errors inside streams)."""
    return _BY_CODE.get(status.code, Unknown)(status.message, status)


def _status_of(code: grpc.StatusCode, message: str, trailers: object) -> status_pb2.Status:
    for key, value in trailers or ():  # type: ignore[attr-defined]
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            if status.code == code.value[0]:
                return status
    return status_pb2.Status(code=code.value[0], message=message)


def from_call(call: grpc.Call | grpc.aio.AioRpcError) -> QuantisError:
    """The exception for a failed call, sync (a ``grpc.Call``) or asyncio (an ``AioRpcError``)."""
    code = call.code()
    status = _status_of(code, call.details() or "", call.trailing_metadata())
    return from_status(status)


class MfaRequired(Exception):
    """Login found MFA enabled and no TOTP code was given; ``challenge_token`` completes it."""

    def __init__(self, challenge_token: str):
        super().__init__("this account has MFA enabled: log in again with its current TOTP code")
        self.challenge_token = challenge_token
