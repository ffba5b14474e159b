"""The sync channel's interceptor: credentials, default deadline, refresh, typed errors.

Applied to every call of the sync client, so the generated stubs get the same
behaviour as the helpers: a call carries the session's access token (refreshed
first when it is about to expire) or the API key; a unary call without its own
timeout gets the client's default deadline (streams may legitimately run for
long, so they get none unless asked); a unary call refused with UNAUTHENTICATED
because its access token went stale is refreshed and sent once more; a unary
call that lost a transaction conflict in the server is sent again (see
``quantis.retries``); failures are raised as ``quantis.errors`` exceptions.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from quantis import contracts, errors
from quantis.credentials import Credentials
from quantis.retries import RetryPolicy, conflict_pause

PUBLIC = contracts.public_paths()


class CallDetails(grpc.ClientCallDetails):
    """Concrete call details (grpc only declares the interface)."""

    def __init__(
        self,
        method: str,
        timeout: float | None,
        metadata: Any,
        credentials: grpc.CallCredentials | None,
        wait_for_ready: bool | None,
        compression: grpc.Compression | None,
    ):
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class TranslatedStream:
    """A response stream whose failure is raised as a ``quantis.errors`` exception."""

    def __init__(self, call: Any):
        self._call = call

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._call
        except grpc.RpcError as error:
            raise errors.from_call(error) from None  # type: ignore[arg-type]

    def cancel(self) -> bool:
        return bool(self._call.cancel())


class CallPolicy(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """``refresh(sent_token)`` renews the session unless someone already replaced ``sent_token``."""

    def __init__(
        self,
        credentials: Credentials,
        refresh: Callable[[str], None],
        timeout: float | None,
        retry: RetryPolicy | None = None,
    ):
        self._credentials = credentials
        self._refresh = refresh
        self._timeout = timeout
        self._retry = retry

    def _prepare(
        self, details: grpc.ClientCallDetails, unary: bool, deadline: float | None = None
    ) -> CallDetails:
        metadata = list(details.metadata or ())
        if details.method not in PUBLIC:
            if self._credentials.needs_refresh() and self._credentials.tokens:
                self._refresh(self._credentials.tokens.access_token)
            metadata += self._credentials.metadata()
        timeout = details.timeout if details.timeout is not None else (self._timeout if unary else None)
        if deadline is not None:  # a call sent again: what is left of its deadline
            timeout = max(deadline - time.monotonic(), 0.0)
        return CallDetails(
            details.method,
            timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def _refreshed(self, sent: CallDetails) -> bool:
        token = self._credentials.sent_token([(str(k), str(v)) for k, v in sent.metadata or ()])
        if not token or not self._credentials.can_refresh():
            return False
        self._refresh(token)
        return True

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        prepared = self._prepare(details, unary=True)
        deadline = None if prepared.timeout is None else time.monotonic() + prepared.timeout
        for attempt in itertools.count(1):
            outcome = continuation(prepared, request)
            if outcome.code() is grpc.StatusCode.UNAUTHENTICATED and self._refreshed(prepared):
                outcome = continuation(self._prepare(details, unary=True, deadline=deadline), request)
            if outcome.exception() is None:
                return outcome
            error = errors.from_call(outcome)
            pause = conflict_pause(error, attempt, self._retry, deadline)
            if pause is None:
                raise error
            time.sleep(pause)
            prepared = self._prepare(details, unary=True, deadline=deadline)
        raise AssertionError("unreachable: the loop returns or raises")

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return TranslatedStream(continuation(self._prepare(details, unary=False), request))

    def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        outcome = continuation(self._prepare(details, unary=True), request_iterator)
        if outcome.exception() is not None:
            raise errors.from_call(outcome)
        return outcome

    def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return TranslatedStream(continuation(self._prepare(details, unary=False), request_iterator))
