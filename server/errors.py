"""Domain errors: plain exceptions that say what went wrong in the caller's terms.

Domain code raises these; one interceptor (server.interceptors.errors) maps each
class to a gRPC status with google.rpc details. Nothing here imports grpc.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: its path (e.g. ``series.values[3]``) and why."""

    field: str
    description: str


@dataclass(frozen=True)
class PreconditionViolation:
    """One unmet precondition: a type (e.g. ``LIMIT``), its subject and why."""

    type: str
    subject: str
    description: str


class QuantisError(Exception):
    """Base of every error the caller can be told about.

    ``reason`` is a stable UPPER_SNAKE identifier clients may switch on; it travels
    in google.rpc.ErrorInfo. ``metadata`` adds machine-readable context.
    """

    reason = "ERROR"

    def __init__(self, message: str, *, reason: str | None = None, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.metadata = dict(metadata or {})


class InvalidArgument(QuantisError):
    reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        *,
        violations: list[FieldViolation] | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ):
        super().__init__(message, reason=reason, metadata=metadata)
        self.violations = list(violations or [])

    @classmethod
    def field(cls, name: str, description: str, *, reason: str | None = None) -> InvalidArgument:
        """The common case: one field is wrong."""
        return cls(f"{name}: {description}", violations=[FieldViolation(name, description)], reason=reason)


class NotFound(QuantisError):
    reason = "NOT_FOUND"

    def __init__(
        self,
        resource_type: str,
        resource_id: str,
        *,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ):
        super().__init__(f"{resource_type} {resource_id!r} not found", reason=reason, metadata=metadata)
        self.resource_type = resource_type
        self.resource_id = resource_id


class AlreadyExists(QuantisError):
    reason = "ALREADY_EXISTS"


class FailedPrecondition(QuantisError):
    reason = "FAILED_PRECONDITION"

    def __init__(
        self,
        message: str,
        *,
        violations: list[PreconditionViolation] | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ):
        super().__init__(message, reason=reason, metadata=metadata)
        self.violations = list(violations or [])


class OutOfRange(QuantisError):
    """A position (an offset, a page) past the end of what exists."""

    reason = "OUT_OF_RANGE"


class Unauthenticated(QuantisError):
    reason = "UNAUTHENTICATED"


class PermissionDenied(QuantisError):
    reason = "PERMISSION_DENIED"


class RetryableError(QuantisError):
    """An error the caller may retry after ``retry_after_seconds`` (sent as google.rpc.RetryInfo)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: float | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ):
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after_seconds = retry_after_seconds


class ResourceExhausted(RetryableError):
    reason = "RESOURCE_EXHAUSTED"


class Aborted(QuantisError):
    reason = "ABORTED"


class Unavailable(RetryableError):
    reason = "UNAVAILABLE"


class DeadlineExceeded(QuantisError):
    reason = "DEADLINE_EXCEEDED"


class Unimplemented(QuantisError):
    reason = "UNIMPLEMENTED"


class Internal(QuantisError):
    """Raised only by the error interceptor for failures nobody anticipated."""

    reason = "INTERNAL"


class CannotListen(Exception):
    """A listener could not bind its address at start-up. Not a caller's error: the message names
    the address and the settings that chose it, for the command that started it to print."""

    def __init__(self, what: str, address: str, chosen_by: str, reason: OSError | str):
        if isinstance(reason, OSError):
            reason = os.strerror(reason.errno).lower() if reason.errno else str(reason)
        super().__init__(f"cannot {what} on {address} ({chosen_by}): {reason}")
