"""Daily and monthly limits per user and currency, their usage, and the check of a new amount
against them (a LimitFailure names the window it would exceed; a FAILED transaction keeps it).

The day is the UTC calendar day and the month the UTC calendar month. Usage is
the sum of the user's PENDING_REVIEW and COMPLETED transactions of every type
except REVERSAL in the window, summed in the database in minor units.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.enums import TransactionStatus, TransactionType
from server.db.models import Transaction
from server.domain.finance.money import Money, minor_units
from server.errors import FailedPrecondition, PreconditionViolation

COUNTED = (TransactionStatus.PENDING_REVIEW, TransactionStatus.COMPLETED)


@dataclass(frozen=True)
class LimitPolicy:
    """The limits, in units of whatever currency a transaction is in (no conversion)."""

    daily: Decimal
    monthly: Decimal


@dataclass(frozen=True)
class Windows:
    day_start: datetime
    day_end: datetime
    month_start: datetime
    month_end: datetime


def windows_at(moment: datetime) -> Windows:
    moment = moment.astimezone(UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return Windows(day, day + timedelta(days=1), month, next_month)


@dataclass(frozen=True)
class LimitUsage:
    currency: str
    daily_limit: Money
    daily_used: Money
    monthly_limit: Money
    monthly_used: Money
    daily_reset: datetime
    monthly_reset: datetime

    @property
    def daily_remaining(self) -> Money:
        return Money(self.currency, max(self.daily_limit.amount - self.daily_used.amount, Decimal(0)))

    @property
    def monthly_remaining(self) -> Money:
        return Money(self.currency, max(self.monthly_limit.amount - self.monthly_used.amount, Decimal(0)))

    @property
    def over_limit(self) -> bool:
        return (
            self.daily_used.amount > self.daily_limit.amount
            or self.monthly_used.amount > self.monthly_limit.amount
        )


def used_minor(session: Session, owner_id: str, currency: str, start: datetime, end: datetime) -> int:
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Transaction.amount_minor), 0)).where(
            Transaction.owner_id == owner_id,
            Transaction.currency == currency,
            Transaction.type != TransactionType.REVERSAL,
            Transaction.status.in_(COUNTED),
            Transaction.created_at >= start,
            Transaction.created_at < end,
        )
    )
    return int(total or 0)


def usage(
    session: Session, policy: LimitPolicy, owner_id: str, currency: str, moment: datetime
) -> LimitUsage:
    """The owner's usage of the windows containing ``moment``."""
    window = windows_at(moment)
    digits = minor_units(currency)
    return LimitUsage(
        currency=currency,
        daily_limit=Money(currency, policy.daily.quantize(Decimal(1).scaleb(-digits))),
        daily_used=Money.from_minor(
            currency, used_minor(session, owner_id, currency, window.day_start, window.day_end)
        ),
        monthly_limit=Money(currency, policy.monthly.quantize(Decimal(1).scaleb(-digits))),
        monthly_used=Money.from_minor(
            currency, used_minor(session, owner_id, currency, window.month_start, window.month_end)
        ),
        daily_reset=window.day_end,
        monthly_reset=window.month_end,
    )


@dataclass(frozen=True)
class LimitFailure:
    window: str
    limit: Decimal
    used: Decimal
    remaining: Decimal

    def error(self, currency: str, transaction_id: str) -> FailedPrecondition:
        kind = f"{self.window}_LIMIT"
        description = (
            f"{self.window.lower()} limit of {self.limit} {currency} would be exceeded: "
            f"{self.used} used, {self.remaining} remaining"
        )
        return FailedPrecondition(
            description,
            reason="LIMIT_EXCEEDED",
            metadata={
                "window": self.window,
                "currency_code": currency,
                "limit": str(self.limit),
                "used": str(self.used),
                "remaining": str(self.remaining),
                "transaction_id": transaction_id,
            },
            violations=[PreconditionViolation(kind, "amount", description)],
        )

    def stored(self) -> str:
        return json.dumps({"window": self.window, "limit": str(self.limit), "used": str(self.used)})

    @classmethod
    def from_stored(cls, text: str) -> LimitFailure:
        values = json.loads(text)
        limit, used = Decimal(values["limit"]), Decimal(values["used"])
        return cls(values["window"], limit, used, max(limit - used, Decimal(0)))


def limit_failure(
    session: Session, policy: LimitPolicy, owner_id: str, amount: Money, now: datetime
) -> LimitFailure | None:
    """The first window (daily, then monthly) that ``amount`` would take past its limit, or None."""
    used = usage(session, policy, owner_id, amount.currency, now)
    for window, limit, spent in (
        ("DAILY", used.daily_limit.amount, used.daily_used.amount),
        ("MONTHLY", used.monthly_limit.amount, used.monthly_used.amount),
    ):
        if spent + amount.amount > limit:
            return LimitFailure(window, limit, spent, max(limit - spent, Decimal(0)))
    return None
