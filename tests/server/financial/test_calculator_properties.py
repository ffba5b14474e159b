"""The calculators against numpy-financial on random cases, where the conventions match."""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, Decimal

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.finance import cashflows, loans
from server.domain.finance.cashflows import IrrBracket, IrrOutcome, NpvConvention
from server.domain.finance.money import Money
from server.errors import InvalidArgument

CASES = settings(max_examples=600, deadline=None, database=None)
TOLERANCE = 1e-9

rates = st.decimals(min_value="-0.95", max_value="2", places=6, allow_nan=False, allow_infinity=False)
amounts = st.decimals(
    min_value="-1000000", max_value="1000000", places=2, allow_nan=False, allow_infinity=False
)
flows = st.lists(amounts, min_size=1, max_size=40)


def close(ours: float, theirs: float, scale: float) -> bool:
    return abs(ours - theirs) <= TOLERANCE * max(scale, 1e-300)


@CASES
@given(rate=rates, values=flows)
def test_npv_matches_numpy_financial(rate: Decimal, values: list[Decimal]) -> None:
    ours = cashflows.npv(rate, values, NpvConvention.FIRST_AT_T0)
    theirs = float(npf.npv(float(rate), [float(v) for v in values]))
    scale = sum(abs(float(v)) / (1 + float(rate)) ** i for i, v in enumerate(values))
    assert close(float(ours), theirs, scale)
    end = cashflows.npv(rate, values, NpvConvention.END_OF_PERIOD)
    assert abs(end * (1 + rate) - ours) <= Decimal("1e-20") * (abs(ours) + 1)


@CASES
@given(
    outlay=st.decimals(min_value="100", max_value="1000000", places=2),
    returns=st.lists(st.decimals(min_value="0", max_value="500000", places=2), min_size=1, max_size=30),
)
def test_irr_matches_numpy_financial_when_the_root_is_unique(outlay: Decimal, returns: list[Decimal]) -> None:
    values = [-outlay, *returns]
    result = cashflows.irr(values, IrrBracket())
    with np.errstate(all="ignore"):
        theirs = float(npf.irr([float(v) for v in values]))
    if sum(returns) == 0:
        assert result.outcome is IrrOutcome.NO_SOLUTION
        return
    inside = theirs == theirs and -0.99 < theirs < 10  # one sign change: one root above -100%
    if not inside:
        assert result.outcome is IrrOutcome.NO_SOLUTION
        return
    assert result.outcome is IrrOutcome.FOUND and result.rate is not None
    assert close(float(result.rate), theirs, max(1.0, abs(theirs)))
    # The rate is a root: the NPV there is tiny next to the flows.
    at_root = cashflows.npv(result.rate, values, NpvConvention.FIRST_AT_T0)
    assert abs(at_root) <= Decimal("1e-6") * sum(abs(v) for v in values)


payment_rates = st.decimals(min_value="0", max_value="0.05", places=6)
periods = st.integers(min_value=1, max_value=480)
principals = st.decimals(min_value="1", max_value="10000000", places=2)


@CASES
@given(n=periods, principal=principals, data=st.data())
def test_pmt_ipmt_ppmt_match_numpy_financial(n: int, principal: Decimal, data: st.DataObject) -> None:
    # numpy-financial's ipmt subtracts terms of size principal * (1 + rate)^(per - 1): past a growth of
    # 1e5 its own float rounding exceeds 1e-9 of the payment, so rates are drawn below that.
    well_conditioned = Decimal(math.pow(1e5, 1 / n) - 1).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)
    rate = data.draw(st.decimals(min_value="0", max_value=min(Decimal("0.05"), well_conditioned), places=6))
    period = data.draw(st.integers(min_value=1, max_value=n))
    payment = loans.level_payment(principal, rate, n)
    with np.errstate(
        all="ignore"
    ):  # numpy-financial divides by the rate before choosing the zero-rate branch
        theirs = -float(npf.pmt(float(rate), n, float(principal)))
        their_interest = -float(npf.ipmt(float(rate), period, n, float(principal)))
        their_repaid = -float(npf.ppmt(float(rate), period, n, float(principal)))
    assert close(float(payment), theirs, abs(theirs))
    interest = loans.interest_part(principal, rate, n, period)
    repaid = loans.principal_part(principal, rate, n, period)
    assert close(float(interest), their_interest, abs(theirs))
    assert close(float(repaid), their_repaid, abs(theirs))


@settings(max_examples=200, deadline=None, database=None)
@given(rate=payment_rates, n=st.integers(min_value=1, max_value=360), principal=principals)
def test_the_schedule_pays_down_to_exactly_zero(rate: Decimal, n: int, principal: Decimal) -> None:
    schedule = loans.amortization(Money("USD", principal), rate * 12, n)
    assert schedule.rows[-1].balance.amount == 0 and len(schedule.rows) == n
    assert sum(r.principal.amount for r in schedule.rows) == principal
    assert schedule.total_paid.amount == sum(r.payment.amount for r in schedule.rows)
    for row in schedule.rows[:-1]:
        assert row.payment.amount == schedule.payment.amount or row.balance.amount == 0
        assert row.interest.amount == row.interest.amount.quantize(Decimal("0.01"))


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal("-1.5"), Decimal("NaN"), Decimal("Infinity")])
def test_rates_out_of_range_are_invalid(rate: Decimal) -> None:
    with pytest.raises(InvalidArgument) as raised:
        cashflows.npv(rate, [Decimal(1)], NpvConvention.FIRST_AT_T0)
    assert raised.value.violations[0].field == "rate"


def test_empty_or_non_finite_flows_are_invalid() -> None:
    with pytest.raises(InvalidArgument):
        cashflows.npv(Decimal("0.1"), [], NpvConvention.FIRST_AT_T0)
    with pytest.raises(InvalidArgument) as raised:
        cashflows.irr([Decimal(-1), Decimal("Infinity")], IrrBracket())
    assert raised.value.violations[0].field == "values[1]"
    with pytest.raises(InvalidArgument):
        cashflows.irr([Decimal(-1)], IrrBracket())


def test_several_sign_changes_are_reported_not_guessed() -> None:
    # (1 + r)^-t roots at r = 10% and 20%: -1, 2.3, -1.32.
    values = [Decimal(-1), Decimal("2.3"), Decimal("-1.32")]
    result = cashflows.irr(values, IrrBracket())
    assert result.outcome is IrrOutcome.MULTIPLE_SOLUTIONS and result.rate is None
    assert [round(float(r), 12) for r in result.roots] == [0.1, 0.2] and result.sign_changes == 2
    guessed = cashflows.irr(values, IrrBracket(guess=Decimal("0.19")))
    assert guessed.rate is not None and abs(guessed.rate - Decimal("0.2")) < Decimal("1e-12")
    narrow = cashflows.irr(values, IrrBracket(Decimal("0.15"), Decimal("0.5")))
    assert narrow.outcome is IrrOutcome.FOUND and abs(narrow.rate - Decimal("0.2")) < Decimal("1e-12")  # type: ignore[operator]
    none = cashflows.irr([Decimal(1), Decimal(2)], IrrBracket())
    assert none.outcome is IrrOutcome.NO_SOLUTION and none.sign_changes == 0
    outside = cashflows.irr([Decimal(-100), Decimal(2000)], IrrBracket())  # 1900% is past the bracket
    assert outside.outcome is IrrOutcome.NO_SOLUTION and outside.sign_changes == 1


def test_xirr_and_xnpv_use_actual_over_365() -> None:
    from datetime import date

    dates = [date(2024, 1, 1), date(2025, 1, 1), date(2026, 1, 1)]  # 366 then 365 days
    values = [Decimal(-1000), Decimal(100), Decimal(1100)]
    value = cashflows.xnpv(Decimal("0.1"), values, dates)
    expected = (
        Decimal(-1000)
        + Decimal(100) / Decimal("1.1") ** (Decimal(366) / 365)
        + Decimal(1100) / Decimal("1.1") ** (Decimal(731) / 365)
    )
    assert abs(value - expected) < Decimal("1e-25")
    found = cashflows.irr(values, IrrBracket(), dates)
    assert found.outcome is IrrOutcome.FOUND and found.rate is not None
    assert abs(cashflows.xnpv(found.rate, values, dates)) < Decimal("1e-9")
