"""Reading the audit log (writing it is the audit interceptor's job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.database import Database
from server.db.enums import AuditOutcome
from server.db.models import AuditLog
from server.domain.monitoring.filters import audit_log_conditions
from server.domain.pagination import PageRequest, fetch_page


@dataclass(frozen=True)
class AuditFilter:
    user_id: str = ""
    action: str = ""
    resource_type: str = ""
    resource_id: str = ""
    outcome: AuditOutcome | None = None
    start: datetime | None = None
    end: datetime | None = None
    expression: str = ""  # the filter field (server.domain.monitoring.filters)
    ascending: bool = False  # oldest first; newest first unless set


class AuditLogQuery:
    def __init__(self, db: Database):
        self._db = db

    async def list(self, where: AuditFilter, page: PageRequest) -> tuple[list[AuditLog], str, int]:
        filtered = audit_log_conditions(where.expression)

        def query(session: Session) -> tuple[list[AuditLog], str, int]:
            selected = sa.select(AuditLog).where(*filtered)
            for column, value in (
                (AuditLog.user_id, where.user_id),
                (AuditLog.action, where.action),
                (AuditLog.resource_type, where.resource_type),
                (AuditLog.resource_id, where.resource_id),
                (AuditLog.outcome, where.outcome),
            ):
                if value:
                    selected = selected.where(column == value)
            if where.start is not None:
                selected = selected.where(AuditLog.created_at >= where.start)
            if where.end is not None:
                selected = selected.where(AuditLog.created_at < where.end)
            return fetch_page(session, selected, AuditLog, page, where.ascending)

        return await self._db.run(query)
