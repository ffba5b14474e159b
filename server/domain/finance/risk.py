"""Risk scoring: documented rules over a transaction and its owner's recent history.

Each rule adds points (the numbers are in ``risk_rules.json`` and
``country_risk.json``); the score is their sum capped at 100 and the level
comes from the configured bands. The rules:

- ``amount_band``: the band of the amount, in units of its currency;
- ``velocity_30d``: how many transactions the owner made in the last 30 days;
- ``failure_rate_30d``: the share of those that FAILED or were REJECTED;
- ``transaction_type``: withdrawals and transfers weigh more than deposits;
- ``country_risk``: the counterparty's country tier;
- ``new_counterparty``: a counterparty the owner never dealt with before;
- ``sanctions_hit``: the counterparty matches the sanctions list, which also
  makes the level CRITICAL whatever the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.db.enums import RiskLevel, TransactionType
from server.domain.finance.config import FinanceConfig, SanctionsEntry
from server.domain.finance.money import Money

MAX_SCORE = 100


@dataclass(frozen=True)
class Counterparty:
    name: str = ""
    account: str = ""
    country: str = ""

    @property
    def given(self) -> bool:
        return bool(self.name or self.account or self.country)


@dataclass(frozen=True)
class RecentTransaction:
    transaction_id: str
    amount: Money


@dataclass(frozen=True)
class History:
    """What the rules need to know about the owner's earlier transactions."""

    count_30d: int = 0
    failures_30d: int = 0
    counterparty_known: bool = False
    window: list[RecentTransaction] = field(default_factory=list)
    """The owner's transactions (not FAILED) in the AML window, oldest first."""


@dataclass(frozen=True)
class RiskFactor:
    rule: str
    points: int
    detail: str


@dataclass(frozen=True)
class Assessment:
    score: int
    level: RiskLevel
    factors: list[RiskFactor]
    sanctions: SanctionsEntry | None


def level_of(score: int, config: FinanceConfig) -> RiskLevel:
    rules = config.risk
    if score >= rules.critical:
        return RiskLevel.CRITICAL
    if score >= rules.high:
        return RiskLevel.HIGH
    if score >= rules.medium:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def assess(
    config: FinanceConfig,
    amount: Money,
    kind: TransactionType,
    counterparty: Counterparty,
    history: History,
) -> Assessment:
    rules = config.risk
    factors: list[RiskFactor] = []

    def add(rule: str, points: int, detail: str) -> None:
        if points > 0:
            factors.append(RiskFactor(rule, min(points, MAX_SCORE), detail))

    band = max(((low, points) for low, points in rules.amount_bands if amount.amount >= low), default=None)
    if band is not None:
        add("amount_band", band[1], f"amount of at least {band[0]:,} {amount.currency}")
    tier = max((points for count, points in rules.velocity_30d if history.count_30d >= count), default=0)
    add("velocity_30d", tier, f"{history.count_30d} transactions in the last 30 days")
    if history.count_30d >= rules.failure_min_transactions:
        share = history.failures_30d / history.count_30d
        failure = max((points for low, points in rules.failure_tiers if share >= low), default=0)
        add(
            "failure_rate_30d",
            failure,
            f"{history.failures_30d} of {history.count_30d} transactions in the last 30 days failed"
            " or were rejected",
        )
    add("transaction_type", rules.type_points.get(kind.value, 0), f"a {kind.value} transaction")
    country_tier = config.country_tiers.get(counterparty.country)
    if country_tier is not None:
        add(
            "country_risk",
            config.tier_points.get(country_tier, 0),
            f"counterparty country {counterparty.country} is on the {country_tier}-risk list",
        )
    if counterparty.given and (counterparty.name or counterparty.account) and not history.counterparty_known:
        add("new_counterparty", rules.new_counterparty, "first transaction with this counterparty")
    hit = config.sanctions_hit(counterparty.name, counterparty.account)
    if hit is not None:
        add("sanctions_hit", rules.sanctions_hit, f"counterparty matches sanctions list entry {hit.entry_id}")
    factors.sort(key=lambda factor: (-factor.points, factor.rule))
    score = min(sum(factor.points for factor in factors), MAX_SCORE)
    level = RiskLevel.CRITICAL if hit is not None else level_of(score, config)
    return Assessment(score, level, factors, hit)
