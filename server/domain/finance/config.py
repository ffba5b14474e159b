"""The ledger's configuration files, read once when the server starts.

The shipped defaults live in the ``server.finance_config`` package; a
deployment names a directory of its own with the same four files. What each
file means is written in its ``_comment``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

FILES = ("country_risk.json", "sanctions.json", "risk_rules.json", "aml.json")


@dataclass(frozen=True)
class RiskRules:
    amount_bands: list[tuple[Decimal, int]]
    velocity_30d: list[tuple[int, int]]
    failure_min_transactions: int
    failure_tiers: list[tuple[Decimal, int]]
    type_points: dict[str, int]
    new_counterparty: int
    sanctions_hit: int
    medium: int
    high: int
    critical: int


@dataclass(frozen=True)
class AmlThresholds:
    kyc_threshold: Decimal
    edd_threshold: Decimal
    structuring_margin: Decimal
    structuring_count: int
    velocity_count: int
    round_multiple: Decimal
    round_count: int
    window_days: int

    @property
    def structuring_floor(self) -> Decimal:
        return self.kyc_threshold * (1 - self.structuring_margin)


@dataclass(frozen=True)
class SanctionsEntry:
    entry_id: str
    names: frozenset[str]
    accounts: frozenset[str]


def normalized_name(name: str) -> str:
    """A name compared without case, accents, punctuation or extra spaces."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^\w\s]", " ", plain).casefold().split())


def normalized_account(account: str) -> str:
    return "".join(account.split()).upper()


@dataclass(frozen=True)
class FinanceConfig:
    country_tiers: dict[str, str]
    tier_points: dict[str, int]
    sanctions: list[SanctionsEntry]
    risk: RiskRules
    aml_default: AmlThresholds
    aml_overrides: dict[str, AmlThresholds]

    def aml(self, currency: str) -> AmlThresholds:
        return self.aml_overrides.get(currency, self.aml_default)

    def sanctions_hit(self, name: str, account: str) -> SanctionsEntry | None:
        name_key, account_key = normalized_name(name), normalized_account(account)
        for entry in self.sanctions:
            if (name_key and name_key in entry.names) or (account_key and account_key in entry.accounts):
                return entry
        return None

    @classmethod
    def load(cls, directory: Path | None = None) -> FinanceConfig:
        """The files in ``directory``, or the shipped defaults when it is None."""
        raw = {name: json.loads(_read(directory, name)) for name in FILES}
        return _parse(raw)


def _read(directory: Path | None, name: str) -> str:
    if directory is not None:
        return (directory / name).read_text(encoding="utf-8")
    return resources.files("server.finance_config").joinpath(name).read_text(encoding="utf-8")


def _thresholds(values: dict[str, Any]) -> AmlThresholds:
    return AmlThresholds(
        kyc_threshold=Decimal(values["kyc_threshold"]),
        edd_threshold=Decimal(values["edd_threshold"]),
        structuring_margin=Decimal(values["structuring_margin"]),
        structuring_count=int(values["structuring_count"]),
        velocity_count=int(values["velocity_count"]),
        round_multiple=Decimal(values["round_multiple"]),
        round_count=int(values["round_count"]),
        window_days=int(values["window_days"]),
    )


def _parse(raw: dict[str, Any]) -> FinanceConfig:
    country, sanctions, risk, aml = (raw[name] for name in FILES)
    rules = RiskRules(
        amount_bands=sorted((Decimal(low), int(points)) for low, points in risk["amount_bands"]),
        velocity_30d=sorted((int(count), int(points)) for count, points in risk["velocity_30d"]),
        failure_min_transactions=int(risk["failure_rate_30d"]["min_transactions"]),
        failure_tiers=sorted(
            (Decimal(share), int(points)) for share, points in risk["failure_rate_30d"]["tiers"]
        ),
        type_points={str(k): int(v) for k, v in risk["transaction_type"].items()},
        new_counterparty=int(risk["new_counterparty"]),
        sanctions_hit=int(risk["sanctions_hit"]),
        medium=int(risk["levels"]["medium"]),
        high=int(risk["levels"]["high"]),
        critical=int(risk["levels"]["critical"]),
    )
    default = dict(aml["default"])
    return FinanceConfig(
        country_tiers={str(code).upper(): str(tier) for code, tier in country["countries"].items()},
        tier_points={str(tier): int(points) for tier, points in country["points"].items()},
        sanctions=[
            SanctionsEntry(
                entry_id=str(entry["id"]),
                names=frozenset(normalized_name(n) for n in entry.get("names", [])),
                accounts=frozenset(normalized_account(a) for a in entry.get("accounts", [])),
            )
            for entry in sanctions["entries"]
        ],
        risk=rules,
        aml_default=_thresholds(default),
        aml_overrides={
            str(code): _thresholds({**default, **values})
            for code, values in aml.get("currencies", {}).items()
        },
    )
