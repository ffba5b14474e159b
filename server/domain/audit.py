"""Audit records: who did what to which resource, and how it ended.

The audit interceptor builds one AuditRecord per audited call and hands it to
AuditLogWriter, which appends it to the audit_logs table. Records never carry
secrets: the interceptor leaves out every field the contract marks as redacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.database import Database
from server.db.enums import AuditOutcome
from server.db.models import AuditLog, User, UserSession

DETAIL_VALUE_LENGTH = 200


@dataclass(frozen=True)
class AuditRecord:
    action: str  # the full RPC method name, e.g. "/quantis.v1.ModelService/DeleteModel"
    outcome: AuditOutcome
    status_code: int  # google.rpc.Code; 0 is OK
    user_id: str | None = None
    username: str = ""
    # The call made its caller known by ``username`` (a successful Login), or by the session it
    # opened or renewed (VerifyMfa, RefreshToken: its id): the writer records that user's id, and
    # the username as stored. The session, being exact, goes first.
    identify_by_username: bool = False
    identify_by_session: str = ""
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


def _identified(session: Session, record: AuditRecord) -> tuple[str | None, str]:
    """The record's (user id, username): as given, unless the call made its user known."""
    users = sa.select(User.id, User.username)
    if record.identify_by_session:
        query = users.join(UserSession, UserSession.user_id == User.id)
        found = session.execute(query.where(UserSession.id == record.identify_by_session)).one_or_none()
    elif record.identify_by_username:
        found = session.execute(users.where(User.username_key == record.username.lower())).one_or_none()
    else:
        found = None
    return (found[0], found[1]) if found else (record.user_id, record.username)


class AuditLogWriter:
    """Appends audit records to the database, one short transaction each."""

    def __init__(self, db: Database):
        self._db = db

    async def write(self, record: AuditRecord) -> None:
        await self._db.run(lambda session: self._add(session, record))

    @staticmethod
    def _add(session: Session, record: AuditRecord) -> None:
        columns = AuditLog.__table__.c
        user_id, username = _identified(session, record)
        session.add(
            AuditLog(
                user_id=user_id,
                username=_fit(username, columns.username),
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
