"""Anti-money-laundering flags raised on a transaction when it is recorded.

The thresholds are in ``aml.json``, per currency where they differ; amounts are
compared in units of the transaction's own currency, and patterns look at the
owner's transactions in the same currency (velocity: in any currency) within
the window, FAILED ones left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from server.domain.finance.config import FinanceConfig
from server.domain.finance.money import Money
from server.domain.finance.risk import Assessment, Counterparty, History


class AmlFlagKind(StrEnum):
    """In the order of the contract's AmlFlagKind."""

    KYC_REQUIRED = "kyc_required"
    ENHANCED_DUE_DILIGENCE = "enhanced_due_diligence"
    STRUCTURING = "structuring"
    VELOCITY = "velocity"
    ROUND_AMOUNT = "round_amount"
    SANCTIONS_HIT = "sanctions_hit"
    HIGH_RISK_COUNTRY = "high_risk_country"


@dataclass(frozen=True)
class AmlFlag:
    kind: AmlFlagKind
    detail: str
    related_transaction_ids: list[str] = field(default_factory=list)


def flags(
    config: FinanceConfig,
    amount: Money,
    counterparty: Counterparty,
    history: History,
    assessment: Assessment,
) -> list[AmlFlag]:
    limits = config.aml(amount.currency)
    value, currency = amount.amount, amount.currency
    raised: list[AmlFlag] = []
    if value >= limits.kyc_threshold:
        raised.append(
            AmlFlag(AmlFlagKind.KYC_REQUIRED, f"amount at or above {limits.kyc_threshold:,} {currency}")
        )
    if value >= limits.edd_threshold:
        raised.append(
            AmlFlag(
                AmlFlagKind.ENHANCED_DUE_DILIGENCE, f"amount at or above {limits.edd_threshold:,} {currency}"
            )
        )
    same = [t for t in history.window if t.amount.currency == currency]
    floor = limits.structuring_floor
    if floor <= value < limits.kyc_threshold:
        under = [t for t in same if floor <= t.amount.amount < limits.kyc_threshold]
        if len(under) + 1 >= limits.structuring_count:
            raised.append(
                AmlFlag(
                    AmlFlagKind.STRUCTURING,
                    f"{len(under) + 1} amounts from {floor:,} to just under {limits.kyc_threshold:,} "
                    f"{currency} within {limits.window_days} days",
                    [t.transaction_id for t in under],
                )
            )
    if len(history.window) + 1 > limits.velocity_count:
        raised.append(
            AmlFlag(
                AmlFlagKind.VELOCITY,
                f"{len(history.window) + 1} transactions within {limits.window_days} days",
                [t.transaction_id for t in history.window],
            )
        )
    if value % limits.round_multiple == 0:
        rounds = [t for t in same if t.amount.amount % limits.round_multiple == 0]
        if len(rounds) + 1 >= limits.round_count:
            raised.append(
                AmlFlag(
                    AmlFlagKind.ROUND_AMOUNT,
                    f"{len(rounds) + 1} multiples of {limits.round_multiple:,} {currency} "
                    f"within {limits.window_days} days",
                    [t.transaction_id for t in rounds],
                )
            )
    if assessment.sanctions is not None:
        raised.append(
            AmlFlag(
                AmlFlagKind.SANCTIONS_HIT,
                f"counterparty matches sanctions list entry {assessment.sanctions.entry_id}",
            )
        )
    if config.country_tiers.get(counterparty.country) == "high":
        raised.append(
            AmlFlag(
                AmlFlagKind.HIGH_RISK_COUNTRY, f"counterparty country {counterparty.country} is high-risk"
            )
        )
    return raised
