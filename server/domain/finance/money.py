"""Exact money: a Decimal amount in an ISO 4217 currency, never a float.

Each currency's minor units (2 for USD, 0 for JPY, 3 for KWD) come from the
table in ``currencies.json``. An amount given in parts (units and nanos, as in
google.type.Money) is checked here: same sign, nanos in range, and no more
precision than the currency's minor units. Rounding (half-even) happens only
where a computed result leaves the domain, in :func:`rounded`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from functools import cache
from importlib import resources

from server.errors import InvalidArgument

NANOS_PER_UNIT = 1_000_000_000
MAX_NANOS = NANOS_PER_UNIT - 1
INT64_MAX = 2**63 - 1
_CODE = re.compile(r"[A-Z]{3}")
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?")
MAX_DECIMAL_TEXT = 100


@cache
def currency_table() -> dict[str, int]:
    """ISO 4217 code -> minor-unit digits, for the currencies in active use."""
    text = resources.files("server.domain.finance").joinpath("currencies.json").read_text(encoding="utf-8")
    return {code: int(digits) for code, digits in json.loads(text).items() if not code.startswith("_")}


def minor_units(currency: str) -> int:
    return currency_table()[currency]


def check_currency(currency: str, field: str) -> str:
    """``currency`` if it is a known ISO 4217 code, else INVALID_ARGUMENT naming ``field``."""
    if not currency:
        raise InvalidArgument.field(field, "is required (an ISO 4217 code such as USD)")
    if not _CODE.fullmatch(currency):
        raise InvalidArgument.field(field, "must be three upper-case letters (ISO 4217)")
    if currency not in currency_table():
        raise InvalidArgument.field(field, f"unknown currency {currency!r}")
    return currency


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount of one currency."""

    currency: str
    amount: Decimal

    @property
    def minor(self) -> int:
        """The amount as an integer count of minor units (exact: the amount must be representable)."""
        scaled = self.amount.scaleb(minor_units(self.currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{self.amount} {self.currency} has sub-minor-unit precision")
        return int(scaled)

    @classmethod
    def from_minor(cls, currency: str, minor: int) -> Money:
        return cls(currency, Decimal(minor).scaleb(-minor_units(currency)))

    def parts(self) -> tuple[int, int]:
        """(units, nanos) with one sign, as google.type.Money holds them."""
        units = int(self.amount.to_integral_value(rounding=ROUND_DOWN))
        nanos = int(((self.amount - units) * NANOS_PER_UNIT).to_integral_value(rounding=ROUND_DOWN))
        return units, nanos

    def __str__(self) -> str:
        return f"{quantized(self.amount, self.currency)} {self.currency}"


def quantized(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-even to ``currency``'s minor units."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def rounded(currency: str, amount: Decimal, field: str = "result") -> Money:
    """A computed amount, rounded half-even to the minor units, that google.type.Money can hold."""
    if not amount.is_finite() or abs(amount) > INT64_MAX:  # checked first: quantize would overflow
        raise InvalidArgument.field(field, "the result is too large to represent as money")
    value = quantized(amount, currency)
    if abs(value) > INT64_MAX:
        raise InvalidArgument.field(field, "the result is too large to represent as money")
    return Money(currency, value)


def parse_money(
    currency: str,
    units: int,
    nanos: int,
    field: str,
    *,
    allow_zero: bool = True,
    allow_negative: bool = True,
) -> Money:
    """The amount google.type.Money ``field`` holds, or INVALID_ARGUMENT naming the part that is wrong."""
    check_currency(currency, f"{field}.currency_code")
    if not -MAX_NANOS <= nanos <= MAX_NANOS:
        raise InvalidArgument.field(f"{field}.nanos", "must be between -999,999,999 and 999,999,999")
    if (units > 0 and nanos < 0) or (units < 0 and nanos > 0):
        raise InvalidArgument.field(f"{field}.nanos", "must have the same sign as units")
    digits = minor_units(currency)
    if nanos % 10 ** (9 - digits):
        raise InvalidArgument.field(
            f"{field}.nanos", f"is finer than {currency}'s minor unit ({digits} decimal places)"
        )
    amount = Decimal(units) + Decimal(nanos).scaleb(-9)
    if amount == 0 and not allow_zero:
        raise InvalidArgument.field(f"{field}.units", "must not be zero")
    if amount < 0 and not allow_negative:
        raise InvalidArgument.field(f"{field}.units", "must not be negative")
    return Money(currency, amount.quantize(Decimal(1).scaleb(-digits)))


def parse_decimal(text: str, field: str, *, required: bool = True) -> Decimal | None:
    """A google.type.Decimal value: a finite decimal number in plain or exponent notation."""
    if not text:
        if required:
            raise InvalidArgument.field(field, 'is required (a decimal string such as "0.05")')
        return None
    if len(text) > MAX_DECIMAL_TEXT or not _DECIMAL_TEXT.fullmatch(text):
        raise InvalidArgument.field(field, f"{text[:20]!r} is not a finite decimal number")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid text
        raise InvalidArgument.field(field, "is not a decimal number") from exc


def decimal_text(value: Decimal, significant: int = 28) -> str:
    """``value`` to ``significant`` digits, without exponent noise for ordinary magnitudes."""
    if value == 0:
        return "0"
    with localcontext(prec=significant, rounding=ROUND_HALF_EVEN):
        value = (+value).normalize()  # rounded by the context: 9.99...95 carries to 10 without overflowing it
    return f"{value:f}" if -30 < value.adjusted() < 40 else str(value)
