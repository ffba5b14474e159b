"""Transaction totals by UTC period, type, currency and status, computed in the database.

The period start is computed by SQL on each backend (``date_trunc`` on
PostgreSQL, ``date()``/``strftime()`` on SQLite) and the sums are of integer
minor units, so totals are exact whatever their size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import TransactionStatus, TransactionType
from server.db.models import Transaction
from server.domain.finance.money import Money, check_currency
from server.domain.finance.queries import visible_to
from server.errors import InvalidArgument

MAX_BUCKETS = 10_000


class Period(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Bucket:
    period_start: datetime
    type: TransactionType
    currency: str
    status: TransactionStatus
    count: int
    total: Money


@dataclass(frozen=True)
class Summary:
    buckets: list[Bucket]
    start: datetime
    end: datetime


def _period_start(dialect: str, period: Period) -> sa.ColumnElement[object]:
    created = Transaction.created_at
    if dialect == "postgresql":
        return sa.func.date_trunc(period.value, sa.func.timezone("UTC", created))
    if period is Period.DAY:
        return sa.func.date(created)
    if period is Period.WEEK:
        # From the day, not the instant: SQLite's modifiers round the time to the millisecond,
        # so 23:59:59.9995 on a Sunday would start the next week.
        return sa.func.date(sa.func.date(created), "-6 days", "weekday 1")
    return sa.func.strftime("%Y-%m-01", created)


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _buckets_spanned(start: datetime, end: datetime, period: Period) -> int:
    if period is Period.MONTH:
        return (end.year - start.year) * 12 + end.month - start.month + 1
    length = timedelta(days=1 if period is Period.DAY else 7)
    return (end - start) // length + 1


class SummaryService:
    def __init__(self, db: Database, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self._db = db
        self._now = clock

    async def summarize(
        self,
        principal: Principal,
        period: Period | None,
        start: datetime | None,
        end: datetime | None,
        currency: str = "",
        owner_id: str = "",
    ) -> Summary:
        if period is None:
            raise InvalidArgument.field("period", "is required")
        if currency:
            check_currency(currency, "currency_code")
        end = end or self._now()
        if start is not None and start >= end:
            raise InvalidArgument.field("time_range", "start_time must be before end_time")
        conditions = [visible_to(principal), Transaction.created_at < end]
        if currency:
            conditions.append(Transaction.currency == currency)
        if owner_id:
            conditions.append(Transaction.owner_id == owner_id)

        def run(session: Session) -> Summary:
            first = start
            if first is None:
                earliest = session.scalar(sa.select(sa.func.min(Transaction.created_at)).where(*conditions))
                first = earliest or end
            if _buckets_spanned(first, end, period) > MAX_BUCKETS:
                raise InvalidArgument.field("time_range", f"would give more than {MAX_BUCKETS} periods")
            where = [*conditions, Transaction.created_at >= first]
            bucket = _period_start(session.get_bind().dialect.name, period).label("period_start")
            rows = session.execute(
                sa.select(
                    bucket,
                    Transaction.type,
                    Transaction.currency,
                    Transaction.status,
                    sa.func.count().label("count"),
                    sa.func.sum(Transaction.amount_minor).label("total"),
                )
                .where(*where)
                .group_by(bucket, Transaction.type, Transaction.currency, Transaction.status)
            ).all()
            buckets = [
                Bucket(
                    period_start=_as_datetime(row.period_start),
                    type=row.type,
                    currency=row.currency,
                    status=row.status,
                    count=int(row[4]),
                    total=Money.from_minor(row.currency, int(row.total)),
                )
                for row in rows
            ]
            return Summary(buckets, first, end)

        summary = await self._db.run(run)
        order = {kind: index for index, kind in enumerate(TransactionType)}
        states = {state: index for index, state in enumerate(TransactionStatus)}
        summary.buckets.sort(key=lambda b: (b.period_start, order[b.type], b.currency, states[b.status]))
        return summary
