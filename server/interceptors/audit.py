"""One audit record for every call of an RPC whose contract says ``audit: true``.

The record is written when the call has ended, whatever the outcome: who (from
principal_var; for a call without credentials, the user the domain found it to
be about with server.domain.audit.identify_user, refused or not: Login's user
when the username names one, the user of VerifyMfa's challenge or of
RefreshToken's refresh token; else for Login, the username it tried, with no
id), what (the method), on which resource (guessed from the request's first
``<x>_id`` field; for a creation, the new resource in the response), how it
ended (the google.rpc code, success / denied / failure, and a failure's ErrorInfo reason as
details["reason"]), from where (peer, request id), and the request's top-level
scalar fields as details (one named like a key the record itself sets goes in
as "request_<name>"). Fields the contract marks ``debug_redact`` (passwords,
tokens, codes, secrets) and bytes never go into a record
(server.interceptors.audit_fields reads the messages).

It runs inside error mapping and outside auth and rate limiting, so refusals
are audited too. A record that cannot be written is logged; the caller's
result does not change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import grpc
from google.protobuf.message import Message
from google.rpc import code_pb2

from server.auth.principal import principal_var
from server.contracts import MethodRule
from server.db.enums import AuditOutcome
from server.domain.audit import AuditRecord, AuditWriter, CallSubject, watch_call
from server.interceptors.audit_fields import (
    REASON,
    created_resource,
    details_of,
    resource_of,
)
from server.interceptors.errors import reported_as, to_status
from server.interceptors.peers import Network, PeerResolver, peer_host
from server.interceptors.wrapping import WrappingInterceptor, wrap_handler_with_request
from server.logs import request_id_var
from server.observability.tracing import current_trace_id

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context, Handler

log = logging.getLogger("server.audit")

# google.rpc codes (code_pb2 is untyped).
OK: int = code_pb2.OK
CANCELLED: int = code_pb2.CANCELLED
UNKNOWN: int = code_pb2.UNKNOWN
INTERNAL: int = code_pb2.INTERNAL
_DENIED: frozenset[int] = frozenset({code_pb2.UNAUTHENTICATED, code_pb2.PERMISSION_DENIED})
# Calls that name an account by username before there is a principal: the name tried is recorded.
BY_USERNAME = frozenset({"/quantis.v1.AuthService/Login", "/quantis.v1.AuthService/Register"})


def _code_number(code: object) -> int | None:
    if isinstance(code, grpc.StatusCode):
        number = code.value[0]
        return number if isinstance(number, int) else None
    return code if isinstance(code, int) else None


def code_of_error(error: BaseException, context: Context) -> int:
    """The google.rpc code a call that raised ``error`` ends with, as the error interceptor maps it."""
    if isinstance(error, grpc.aio.AbortError):  # the servicer called context.abort()
        return _code_number(context.code()) or UNKNOWN
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return CANCELLED
    reported = reported_as(error)
    if reported is None:
        return INTERNAL
    code: int = to_status(reported).code
    return code


def reason_of_error(error: BaseException) -> str:
    """The ErrorInfo reason the caller gets for ``error``; "" for an abort, a cancellation, or an
    unexpected error (whose reason, INTERNAL, says no more than its code)."""
    reported = reported_as(error)
    return reported.reason if reported is not None else ""


def outcome_of(code: int) -> AuditOutcome:
    if code == OK:
        return AuditOutcome.SUCCESS
    return AuditOutcome.DENIED if code in _DENIED else AuditOutcome.FAILURE


def _who(method: str, request: Any, subject: CallSubject) -> tuple[str | None, str]:
    """(user id, username) of the call: its principal; for a call without credentials, the user the
    domain found it to be about; else, for Login and Register, no id and the username tried."""
    principal = principal_var.get()
    if principal is not None:
        return principal.user_id, principal.username
    if subject.user_id is not None:
        return subject.user_id, subject.username
    if method in BY_USERNAME and isinstance(request, Message):
        return None, str(getattr(request, "username", ""))
    return None, ""


class AuditInterceptor(WrappingInterceptor):
    """Writes one record with ``writer`` per call of each RPC whose rule has ``audit`` set."""

    def __init__(
        self,
        rules: Mapping[str, MethodRule],
        writer: AuditWriter,
        *,
        trusted_proxies: Iterable[Network | str] = (),
    ):
        self._audited = {path: rule for path, rule in rules.items() if rule.audit}
        self._writer = writer
        self._peers = PeerResolver(trusted_proxies)

    def _peer(self, context: Context) -> str:
        """The peer; behind a trusted proxy, "<client address> via <proxy peer>". Read it as the
        call starts: once a cancelled stream's call is gone, asking for its peer crashes."""
        peer = context.peer() or ""
        client = self._peers.client_host(context)
        return peer if client == peer_host(peer) else f"{client} via {peer}"

    def wrap(self, handler: Handler, method: str) -> Handler:
        rule = self._audited.get(method)
        if rule is None:
            return handler
        return wrap_handler_with_request(handler, rule.path, self._unary, self._stream)

    async def _unary(
        self, method: str, context: Context, request: Any, call: Callable[[], Awaitable[Any]]
    ) -> Any:
        peer, subject = self._peer(context), watch_call()
        try:
            response = await call()
        except (Exception, asyncio.CancelledError) as error:
            code = code_of_error(error, context)
            await self._record(method, context, request, peer, subject, code, error=error)
            raise
        code = _code_number(context.code()) or OK
        await self._record(method, context, request, peer, subject, code, response=response)
        return response

    async def _stream(
        self, method: str, context: Context, request: Any, responses: Callable[[], AsyncIterator[Any]]
    ) -> AsyncIterator[Any]:
        peer, subject = self._peer(context), watch_call()
        try:
            async for response in responses():
                yield response
        except (Exception, asyncio.CancelledError, GeneratorExit) as error:
            code = code_of_error(error, context)
            await self._record(method, context, request, peer, subject, code, error=error)
            raise
        await self._record(method, context, request, peer, subject, _code_number(context.code()) or OK)

    async def _record(
        self,
        method: str,
        context: Context,
        request: Any,
        peer: str,
        subject: CallSubject,
        code: int,
        *,
        response: object = None,
        error: BaseException | None = None,
    ) -> None:
        try:
            user_id, username = _who(method, request, subject)
            # A client-streaming call has a request iterator, not one request: no resource, no details.
            resource, details = (
                (resource_of(request), details_of(request))
                if isinstance(request, Message)
                else (("", ""), {})
            )
            if code == OK:
                resource = created_resource(method, request, response) or resource
            elif error is not None and (reason := reason_of_error(error)):
                details[REASON] = reason
            record = AuditRecord(
                action=method,
                outcome=outcome_of(code),
                status_code=code,
                user_id=user_id,
                username=username,
                resource_type=resource[0],
                resource_id=resource[1],
                peer=peer,
                request_id=request_id_var.get(),
                trace_id=current_trace_id(),
                details=details,
            )
            await self._writer.write(record)
        except Exception:
            log.exception("could not write the audit record", extra={"method": method})
