"""Audit records: who did what to which resource, and how it ended.

The audit interceptor builds one AuditRecord per audited call and hands it to
AuditLogWriter, which appends it to the audit_logs table. Records never carry
secrets: the interceptor leaves out every field the contract marks as redacted.

A call made with credentials is recorded with its principal. One made without
(Login, VerifyMfa, RefreshToken) may still turn out to be about a user: the one
whose password was tried, whose MFA challenge was answered, whose refresh token
was presented, whether the call then succeeded or was refused. The domain says
so with ``identify_user`` when it finds that user; the interceptor records them.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from server.db.database import Database
from server.db.enums import AuditOutcome
from server.db.models import AuditLog, User

DETAIL_VALUE_LENGTH = 200


@dataclass
class CallSubject:
    """The user the call running now turned out to be about; empty until the domain finds them.

    A holder rather than the value itself: the domain finds the user inside a database
    transaction, which runs in a worker thread under a copy of the call's context. A variable
    set there would stay in that copy; the holder the copy shares is seen by the interceptor.
    """

    user_id: str | None = None
    username: str = ""


_subject_var: contextvars.ContextVar[CallSubject | None] = contextvars.ContextVar(
    "audit_subject", default=None
)


def watch_call() -> CallSubject:
    """A new, empty subject for the call running in this context (each gRPC call runs in a task of
    its own, with a context of its own); the audit interceptor calls it as each call starts."""
    subject = CallSubject()
    _subject_var.set(subject)
    return subject


def identify_user(user: User) -> None:
    """Name ``user`` as the one the current call is about, for its audit record; a no-op outside
    a watched call. Call it only with a user the caller named (by username or a token we issued):
    the audit log is for auditors, but a user id must never be recorded for a name with no account.
    """
    subject = _subject_var.get()
    if subject is not None:
        subject.user_id, subject.username = user.id, user.username


def identify_user_by_id(session: Session, user_id: str) -> User | None:
    """The user ``user_id`` (from a token we issued) names, identified as the one the call is
    about; None if there is no such user any more."""
    user = session.get(User, user_id)
    if user is not None:
        identify_user(user)
    return user


@dataclass(frozen=True)
class AuditRecord:
    action: str  # the full RPC method name, e.g. "/quantis.v1.ModelService/DeleteModel"
    outcome: AuditOutcome
    status_code: int  # google.rpc.Code; 0 is OK
    user_id: str | None = None
    username: str = ""
    resource_type: str = ""
    resource_id: str = ""
    peer: str = ""
    request_id: str = ""
    trace_id: str = ""
    details: dict[str, str] = field(default_factory=dict)


class AuditWriter(Protocol):
    """Where audit records go; AuditLogWriter is the database one."""

    async def write(self, record: AuditRecord) -> None: ...


def _fit(value: str, column: object) -> str:
    """``value`` cut to the length of the String column it goes into, each NUL shown as U+FFFD
    (PostgreSQL stores no NUL, and a call that sent one is audited all the same)."""
    length = getattr(getattr(column, "type", None), "length", None)
    return _storable(value[:length] if length else value)


def _storable(value: str) -> str:
    return value.replace("\0", "\ufffd")


class AuditLogWriter:
    """Appends audit records to the database, one short transaction each."""

    def __init__(self, db: Database):
        self._db = db

    async def write(self, record: AuditRecord) -> None:
        await self._db.run(lambda session: self._add(session, record))

    @staticmethod
    def _add(session: Session, record: AuditRecord) -> None:
        columns = AuditLog.__table__.c
        session.add(
            AuditLog(
                user_id=record.user_id,
                username=_fit(record.username, columns.username),
                action=_fit(record.action, columns.action),
                resource_type=_fit(record.resource_type, columns.resource_type),
                resource_id=_fit(record.resource_id, columns.resource_id),
                outcome=record.outcome,
                status_code=record.status_code,
                peer=_fit(record.peer, columns.peer),
                trace_id=_fit(record.trace_id, columns.trace_id),
                request_id=_fit(record.request_id, columns.request_id),
                details={
                    _storable(key): _storable(value[:DETAIL_VALUE_LENGTH])
                    for key, value in record.details.items()
                },
            )
        )
