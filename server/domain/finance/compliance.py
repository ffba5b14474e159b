"""Limits as the user sees them, and compliance reports over a period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import TransactionStatus
from server.db.models import Transaction, User
from server.domain.finance.aml import AmlFlagKind
from server.domain.finance.limits import LimitPolicy, LimitUsage, usage
from server.domain.finance.money import check_currency
from server.errors import InvalidArgument, NotFound, PermissionDenied

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)
JUST_BEFORE = timedelta(microseconds=1)


class ComplianceStatus:
    COMPLIANT = "compliant"
    REVIEW_REQUIRED = "review_required"
    NON_COMPLIANT = "non_compliant"


@dataclass(frozen=True)
class FlagSummary:
    kind: AmlFlagKind
    detail: str
    transaction_ids: list[str]


@dataclass(frozen=True)
class ComplianceReport:
    user_id: str
    start: datetime
    end: datetime
    status: str
    limit_usage: list[LimitUsage]
    flags: list[FlagSummary]
    transaction_count: int
    pending_review_count: int
    generated_at: datetime


class ComplianceService:
    def __init__(
        self,
        db: Database,
        limits: LimitPolicy,
        default_currency: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._limits = limits
        self._default_currency = default_currency
        self._now = clock

    async def limits(self, principal: Principal, currency: str) -> LimitUsage:
        currency = check_currency(currency or self._default_currency, "currency_code")
        now = self._now()
        return await self._db.run(lambda s: usage(s, self._limits, principal.user_id, currency, now))

    async def check(
        self, principal: Principal, user_id: str, start: datetime | None, end: datetime | None
    ) -> ComplianceReport:
        user_id = user_id or principal.user_id
        if user_id != principal.user_id and not principal.is_admin:
            raise PermissionDenied("only an admin may check another user", reason="NOT_ADMIN")
        now = self._now()
        end = end or now
        # The default period, cut short at year 1 (an end within it has no earlier time to go back to).
        start = start or max(end, datetime.min.replace(tzinfo=UTC) + DEFAULT_PERIOD) - DEFAULT_PERIOD
        if start >= end:
            raise InvalidArgument.field("time_range", "start_time must be before end_time")
        if end - start > MAX_PERIOD:
            raise InvalidArgument.field("time_range", "must span at most 366 days")

        def run(session: Session) -> ComplianceReport:
            if session.get(User, user_id) is None:
                raise NotFound("user", user_id)
            rows = session.scalars(
                sa.select(Transaction)
                .where(
                    Transaction.owner_id == user_id,
                    Transaction.created_at >= start,
                    Transaction.created_at < end,
                )
                .order_by(Transaction.created_at, Transaction.id)
            ).all()
            currencies = sorted({row.currency for row in rows})
            usages = [usage(session, self._limits, user_id, code, end - JUST_BEFORE) for code in currencies]
            flagged: dict[AmlFlagKind, list[str]] = {}
            for row in rows:
                for flag in row.aml_flags:
                    ids = flagged.setdefault(AmlFlagKind(flag["kind"]), [])
                    if row.id not in ids:
                        ids.append(row.id)
            flags = [
                FlagSummary(kind, _describe(kind, len(flagged[kind])), flagged[kind])
                for kind in AmlFlagKind
                if kind in flagged
            ]
            pending = sum(1 for row in rows if row.status is TransactionStatus.PENDING_REVIEW)
            if AmlFlagKind.SANCTIONS_HIT in flagged or any(u.over_limit for u in usages):
                status = ComplianceStatus.NON_COMPLIANT
            elif flags or pending:
                status = ComplianceStatus.REVIEW_REQUIRED
            else:
                status = ComplianceStatus.COMPLIANT
            return ComplianceReport(user_id, start, end, status, usages, flags, len(rows), pending, now)

        return await self._db.run(run)


_SENTENCES = {
    AmlFlagKind.KYC_REQUIRED: "at or above the KYC threshold",
    AmlFlagKind.ENHANCED_DUE_DILIGENCE: "at or above the enhanced-due-diligence threshold",
    AmlFlagKind.STRUCTURING: "completing a pattern of amounts just under the reporting threshold",
    AmlFlagKind.VELOCITY: "beyond the velocity limit within 7 days",
    AmlFlagKind.ROUND_AMOUNT: "in a pattern of round amounts",
    AmlFlagKind.SANCTIONS_HIT: "with a counterparty on the sanctions list",
    AmlFlagKind.HIGH_RISK_COUNTRY: "with a counterparty in a high-risk country",
}


def _describe(kind: AmlFlagKind, count: int) -> str:
    noun = "transaction" if count == 1 else "transactions"
    return f"{count} {noun} {_SENTENCES[kind]}"
