"""FinancialService messages from and to domain objects.

Contract enums and domain enums share member names after the contract's
prefix (TRANSACTION_TYPE_PAYMENT <-> TransactionType.PAYMENT), which is how
they are mapped both ways.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from google.type import money_pb2
from quantis.v1 import common_pb2
from quantis.v1 import financial_service_pb2 as pb

from server.db.enums import RiskLevel, TransactionStatus, TransactionType
from server.db.models import Transaction
from server.domain.finance.aml import AmlFlagKind
from server.domain.finance.cashflows import IrrOutcome, NpvConvention
from server.domain.finance.compliance import ComplianceReport
from server.domain.finance.limits import LimitUsage
from server.domain.finance.loans import InterestMethod
from server.domain.finance.money import Money, parse_money
from server.domain.finance.summary import Bucket, Period
from server.errors import InvalidArgument
from server.mappers.common import optional_datetime, timestamp

E = TypeVar("E", bound=Enum)

_PREFIXES: dict[type[Enum], tuple[str, Any]] = {
    TransactionType: ("TRANSACTION_TYPE_", pb.TransactionType),
    TransactionStatus: ("TRANSACTION_STATUS_", pb.TransactionStatus),
    RiskLevel: ("RISK_LEVEL_", pb.RiskLevel),
    AmlFlagKind: ("AML_FLAG_KIND_", pb.AmlFlagKind),
    NpvConvention: ("NPV_CONVENTION_", pb.NpvConvention),
    InterestMethod: ("INTEREST_METHOD_", pb.InterestMethod),
    Period: ("SUMMARY_PERIOD_", pb.SummaryPeriod),
    IrrOutcome: ("IRR_OUTCOME_", pb.IrrOutcome),
}


def enum_from_proto(kind: type[E], number: int, field: str, *, required: bool = True) -> E | None:
    """The domain member for a contract enum number; None for UNSPECIFIED when not required."""
    prefix, wrapper = _PREFIXES[kind]
    name = wrapper.Name(number) if number in wrapper.values() else ""
    member = name.removeprefix(prefix)
    if member in kind.__members__:
        return kind[member]
    if number == 0 and not required:
        return None
    allowed = ", ".join(prefix + m for m in kind.__members__)
    raise InvalidArgument.field(field, f"must be one of {allowed}")


def enums_from_proto(kind: type[E], numbers: Any, field: str) -> list[E]:
    found = [enum_from_proto(kind, n, f"{field}[{i}]") for i, n in enumerate(numbers)]
    return [member for member in found if member is not None]


def enum_to_proto(member: Enum) -> int:
    prefix, wrapper = _PREFIXES[type(member)]
    number: int = wrapper.Value(prefix + member.name)
    return number


def money_from_proto(message: money_pb2.Money, field: str, **limits: bool) -> Money:
    return parse_money(message.currency_code, message.units, message.nanos, field, **limits)


def money_to_proto(money: Money) -> money_pb2.Money:
    units, nanos = money.parts()
    return money_pb2.Money(currency_code=money.currency, units=units, nanos=nanos)


def time_range(message: common_pb2.TimeRange, present: bool) -> tuple[Any, Any]:
    if not present:
        return None, None
    return (
        optional_datetime(message.start_time, message.HasField("start_time"), "time_range.start_time"),
        optional_datetime(message.end_time, message.HasField("end_time"), "time_range.end_time"),
    )


def time_range_to_proto(start: Any, end: Any) -> common_pb2.TimeRange:
    return common_pb2.TimeRange(start_time=timestamp(start), end_time=timestamp(end))


def transaction_to_proto(tx: Transaction) -> pb.Transaction:
    reviewed = tx.decided_by is not None
    counterparty = (
        pb.Counterparty(
            name=tx.counterparty_name,
            account_reference=tx.counterparty_account,
            country=tx.counterparty_country,
        )
        if tx.counterparty_name or tx.counterparty_account or tx.counterparty_country
        else None
    )
    return pb.Transaction(
        transaction_id=tx.id,
        owner_id=tx.owner_id,
        idempotency_key=tx.idempotency_key,
        amount=money_to_proto(Money.from_minor(tx.currency, tx.amount_minor)),
        type=enum_to_proto(tx.type),  # type: ignore[arg-type]
        status=enum_to_proto(tx.status),  # type: ignore[arg-type]
        description=tx.description,
        counterparty=counterparty,
        risk_score=tx.risk_score,
        risk_level=enum_to_proto(tx.risk_level),  # type: ignore[arg-type]
        risk_factors=[
            pb.RiskFactor(rule=f["rule"], points=int(f["points"]), detail=f["detail"])
            for f in tx.risk_factors
        ],
        aml_flags=[
            pb.AmlFlag(
                kind=enum_to_proto(AmlFlagKind(f["kind"])),  # type: ignore[arg-type]
                detail=f["detail"],
                related_transaction_ids=f.get("related_transaction_ids", []),
            )
            for f in tx.aml_flags
        ],
        reversal_of_transaction_id=tx.reversal_of_id or "",
        reversed_by_transaction_id=tx.reversed_by.id if tx.reversed_by is not None else "",
        decided_by=tx.decided_by or "",
        decision_note=tx.decision_note if reviewed else "",
        decide_time=timestamp(tx.decided_at),
        create_time=timestamp(tx.created_at),
        update_time=timestamp(tx.updated_at),
        metadata=tx.metadata_,
    )


def bucket_to_proto(bucket: Bucket) -> pb.SummaryBucket:
    return pb.SummaryBucket(
        period_start=timestamp(bucket.period_start),
        type=enum_to_proto(bucket.type),  # type: ignore[arg-type]
        currency_code=bucket.currency,
        status=enum_to_proto(bucket.status),  # type: ignore[arg-type]
        count=bucket.count,
        total=money_to_proto(bucket.total),
    )


def limit_usage_to_proto(used: LimitUsage) -> pb.LimitUsage:
    return pb.LimitUsage(
        currency_code=used.currency,
        daily_limit=money_to_proto(used.daily_limit),
        daily_used=money_to_proto(used.daily_used),
        daily_remaining=money_to_proto(used.daily_remaining),
        monthly_limit=money_to_proto(used.monthly_limit),
        monthly_used=money_to_proto(used.monthly_used),
        monthly_remaining=money_to_proto(used.monthly_remaining),
        daily_reset_time=timestamp(used.daily_reset),
        monthly_reset_time=timestamp(used.monthly_reset),
    )


_COMPLIANCE = {
    "compliant": pb.COMPLIANCE_STATUS_COMPLIANT,
    "review_required": pb.COMPLIANCE_STATUS_REVIEW_REQUIRED,
    "non_compliant": pb.COMPLIANCE_STATUS_NON_COMPLIANT,
}


def report_to_proto(report: ComplianceReport) -> pb.ComplianceReport:
    return pb.ComplianceReport(
        user_id=report.user_id,
        time_range=time_range_to_proto(report.start, report.end),
        status=_COMPLIANCE[report.status],
        limit_usage=[limit_usage_to_proto(u) for u in report.limit_usage],
        flags=[
            pb.ComplianceFlag(
                kind=enum_to_proto(f.kind),  # type: ignore[arg-type]
                detail=f.detail,
                transaction_ids=f.transaction_ids,
            )
            for f in report.flags
        ],
        transaction_count=report.transaction_count,
        pending_review_count=report.pending_review_count,
        generate_time=timestamp(report.generated_at),
    )
