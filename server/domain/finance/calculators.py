"""The calculators as the service offers them: money in, money and decimals out.

Cash flows given as money must share one currency; results are rounded
half-even to that currency's minor units, and the unrounded value is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from server.domain.finance import cashflows
from server.domain.finance.cashflows import IrrBracket, IrrResult, NpvConvention
from server.domain.finance.money import Money, rounded
from server.errors import InvalidArgument


@dataclass(frozen=True)
class NpvResult:
    npv: Money
    convention: NpvConvention
    unrounded: Decimal


def one_currency(flows: Sequence[Money], field: str) -> str:
    if not flows:
        raise InvalidArgument.field(field, "needs at least one cash flow")
    currency = flows[0].currency
    for index, flow in enumerate(flows):
        if flow.currency != currency:
            raise InvalidArgument.field(
                f"{field}[{index}].currency_code", f"must be {currency}, as the first flow"
            )
    return currency


def net_present_value(
    rate: Decimal, flows: Sequence[Money], convention: NpvConvention | None, dates: Sequence[date]
) -> NpvResult:
    cashflows.check_rate(rate, "rate")
    currency = one_currency(flows, "cash_flows")
    amounts = [flow.amount for flow in flows]
    if dates:
        if convention is NpvConvention.END_OF_PERIOD:
            raise InvalidArgument.field("convention", "must be unspecified or FIRST_AT_T0 with dates")
        value = cashflows.xnpv(rate, amounts, dates)
        convention = NpvConvention.FIRST_AT_T0
    else:
        convention = convention or NpvConvention.FIRST_AT_T0
        value = cashflows.npv(rate, amounts, convention)
    # At a rate of 0 the NPV is a sum of amounts Money holds: one past it is the rate's doing.
    return NpvResult(rounded(currency, value, "rate"), convention, value)


def internal_rate(
    flows: Sequence[Money],
    values: Sequence[Decimal],
    dates: Sequence[date],
    lower: Decimal | None,
    upper: Decimal | None,
    guess: Decimal | None,
) -> IrrResult:
    if flows and values:
        raise InvalidArgument.field("values", "give the flows as cash_flows or as values, not both")
    if flows:
        one_currency(flows, "cash_flows")
        amounts, name = [flow.amount for flow in flows], "cash_flows"
    else:
        amounts, name = list(values), "values"
    default = IrrBracket()
    bracket = IrrBracket(
        lower if lower is not None else default.lower, upper if upper is not None else default.upper, guess
    )
    return cashflows.irr(amounts, bracket, dates or None, name)
