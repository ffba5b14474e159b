"""Interest and level-payment loans: pure functions of Decimal inputs.

Arithmetic is Decimal with 40 significant digits; amounts are rounded half-even
to the currency's minor units only where they leave (``money.rounded``).

Interest, with r the nominal annual rate, t the term in years and n the
compounding periods per year: SIMPLE P(1 + rt), COMPOUND P(1 + r/n)^(nt)
(fractional periods allowed), CONTINUOUS P e^(rt).

A loan of P at periodic rate i over N payments has the level payment
P i / (1 - (1 + i)^-N) (P / N at i = 0), numpy-financial's ``-pmt``. Its
schedule rounds each row's interest (balance times i) and the payment; the last
payment is whatever brings the balance to exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, DecimalException, localcontext
from enum import Enum

from server.domain.finance.cashflows import check_rate
from server.domain.finance.money import Money, quantized, rounded
from server.errors import InvalidArgument

WORKING_DIGITS = 40
MAX_TERM_YEARS = Decimal(100)
MAX_PAYMENTS = 1200
EFFECTIVE_RATE_DIGITS = 28


class InterestMethod(Enum):
    SIMPLE = "simple"
    COMPOUND = "compound"
    CONTINUOUS = "continuous"


@dataclass(frozen=True)
class InterestResult:
    interest: Money
    final_amount: Money
    effective_annual_rate: Decimal


@dataclass(frozen=True)
class AmortizationRow:
    period: int
    payment: Money
    interest: Money
    principal: Money
    balance: Money


@dataclass(frozen=True)
class Amortization:
    payment: Money
    total_interest: Money
    total_paid: Money
    rows: list[AmortizationRow]


def _decimal(fn: Callable[[], Decimal], field: str, rate: Decimal = Decimal(0)) -> Decimal:
    """``fn()`` to WORKING_DIGITS, plus the leading zeros of a small ``rate``: 1 + rate then keeps all
    of the rate's digits, and (1 + rate)^n - 1 does not cancel them away."""
    try:
        with localcontext() as context:
            context.prec = WORKING_DIGITS + max(0, -rate.adjusted())
            return fn()
    except DecimalException as exc:
        raise InvalidArgument.field(field, "the result is out of the representable range") from exc


def _negligible(rate: Decimal) -> bool:
    """Whether ``rate`` is zero or smaller than 1e-40 (1e-9999, say). Its compounding is then past the
    working digits: (1 + r/n)^n - 1 and e^r - 1 are r, a loan's payment is principal / N, and the
    annuity formula would divide by zero."""
    return rate.is_zero() or rate.adjusted() < -WORKING_DIGITS


def interest(
    principal: Money,
    annual_rate: Decimal,
    method: InterestMethod,
    years: Decimal,
    periods_per_year: int = 1,
    term_field: str = "term_years",
) -> InterestResult:
    """Interest on ``principal`` over ``years`` at ``annual_rate`` by ``method``; ``term_field`` is
    the request field the term came from."""
    if principal.amount < 0:
        raise InvalidArgument.field("principal.units", "must not be negative")
    check_rate(annual_rate, "annual_rate")
    if not years.is_finite() or years < 0:
        raise InvalidArgument.field(term_field, "must be zero or positive")
    if years > MAX_TERM_YEARS:
        raise InvalidArgument.field(term_field, f"must be at most {MAX_TERM_YEARS} years")
    if not 1 <= periods_per_year <= 365:
        raise InvalidArgument.field("periods_per_year", "must be 1 to 365")
    n = Decimal(periods_per_year)
    if method is InterestMethod.SIMPLE and annual_rate * years < -1:
        # Simple interest at a negative rate falls by the same amount each year; past -100% in
        # all it would leave a negative balance (compound and continuous interest only approach 0).
        raise InvalidArgument.field(
            "annual_rate", "times the term in years must be at least -1 for simple interest"
        )

    def growth() -> Decimal:
        if method is InterestMethod.SIMPLE:
            return 1 + annual_rate * years
        if method is InterestMethod.COMPOUND:
            return (1 + annual_rate / n) ** (n * years)
        return (annual_rate * years).exp()

    def effective() -> Decimal:
        if method is InterestMethod.SIMPLE or _negligible(annual_rate):
            return annual_rate
        if method is InterestMethod.COMPOUND:
            return (1 + annual_rate / n) ** n - 1
        return annual_rate.exp() - 1

    # A final amount past what Money holds is the rate's (and term's) doing: name the rate.
    final = rounded(
        principal.currency, _decimal(lambda: principal.amount * growth(), "annual_rate"), "annual_rate"
    )
    rate = _decimal(effective, "annual_rate", annual_rate)
    return InterestResult(
        interest=Money(principal.currency, final.amount - principal.amount),
        final_amount=final,
        effective_annual_rate=rate,
    )


def level_payment(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """The unrounded level payment repaying ``principal`` in ``periods`` payments at ``rate`` each."""
    if _negligible(rate):
        return _decimal(lambda: principal / periods, "annual_rate")
    return _decimal(lambda: principal * rate / (1 - (1 + rate) ** -periods), "annual_rate", rate)


def balance_after(principal: Decimal, rate: Decimal, periods: int, paid: int) -> Decimal:
    """The unrounded balance after ``paid`` level payments."""
    payment = level_payment(principal, rate, periods)
    if _negligible(rate):
        return principal - payment * paid
    return _decimal(
        lambda: principal * (1 + rate) ** paid - payment * ((1 + rate) ** paid - 1) / rate,
        "annual_rate",
        rate,
    )


def interest_part(principal: Decimal, rate: Decimal, periods: int, period: int) -> Decimal:
    """The unrounded interest in payment ``period`` (from 1): numpy-financial's ``-ipmt``."""
    return _decimal(lambda: balance_after(principal, rate, periods, period - 1) * rate, "annual_rate")


def principal_part(principal: Decimal, rate: Decimal, periods: int, period: int) -> Decimal:
    """The unrounded principal repaid by payment ``period`` (from 1): numpy-financial's ``-ppmt``."""
    return level_payment(principal, rate, periods) - interest_part(principal, rate, periods, period)


def amortization(
    principal: Money, annual_rate: Decimal, number_of_payments: int, payments_per_year: int = 12
) -> Amortization:
    """The level payment and the schedule of a fixed-rate loan; the last row absorbs rounding."""
    if principal.amount <= 0:
        raise InvalidArgument.field("principal.units", "must be positive")
    if not annual_rate.is_finite() or annual_rate < 0:
        raise InvalidArgument.field("annual_rate", "must be zero or positive")
    check_rate(annual_rate, "annual_rate")
    if not 1 <= number_of_payments <= MAX_PAYMENTS:
        raise InvalidArgument.field("number_of_payments", f"must be 1 to {MAX_PAYMENTS}")
    if not 1 <= payments_per_year <= 365:
        raise InvalidArgument.field("payments_per_year", "must be 1 to 365")
    currency = principal.currency

    def money(amount: Decimal) -> Money:
        # At a rate of 0 no amount exceeds the principal: one too large for Money is the rate's doing.
        return rounded(currency, amount, "annual_rate")

    rate = _decimal(lambda: annual_rate / payments_per_year, "annual_rate")
    payment = money(level_payment(principal.amount, rate, number_of_payments))
    balance = principal.amount
    rows: list[AmortizationRow] = []
    with localcontext() as context:
        context.prec = WORKING_DIGITS
        for period in range(1, number_of_payments + 1):
            row_interest = quantized(balance * rate, currency)
            if period == number_of_payments:
                repaid = balance
            else:
                repaid = min(max(payment.amount - row_interest, Decimal(0)), balance)
            balance -= repaid
            rows.append(
                AmortizationRow(
                    period=period,
                    payment=money(repaid + row_interest),
                    interest=money(row_interest),
                    principal=money(repaid),
                    balance=money(balance),
                )
            )
        total_interest = sum((row.interest.amount for row in rows), Decimal(0))
    return Amortization(
        payment=payment,
        total_interest=money(total_interest),
        total_paid=money(principal.amount + total_interest),
        rows=rows,
    )
