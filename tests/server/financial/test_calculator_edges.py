"""Calculator inputs at the edges of what money and 40-digit decimals hold, over a real channel."""

from __future__ import annotations

from decimal import Decimal, localcontext
from pathlib import Path

import grpc
import pytest
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.composition import Application
from server.settings import Settings
from tests.server.auth_helpers import user_token
from tests.server.conftest import make_settings
from tests.server.financial.conftest import bearer, failure, usd
from tests.server.financial.test_calculators_rpc import dec

Stub = financial_service_pb2_grpc.FinancialServiceStub


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Pure calculations: the embedded backing is enough."""
    return make_settings(tmp_path)


async def test_amortization_past_money_names_the_rate(finance: Stub, application: Application) -> None:
    """Whatever part of the response outgrows google.type.Money, the request field named is the rate:
    at a rate of 0 every amount is at most the principal."""
    token = bearer(await user_token(application, "edge_amortization"))
    loans = {
        "payment": pb.CalculateAmortizationRequest(
            principal=usd(9_000_000_000_000_000_000),
            annual_rate=dec("1"),
            number_of_payments=1,
            payments_per_year=1,
        ),
        "totals": pb.CalculateAmortizationRequest(
            principal=usd(1_000_000_000_000), annual_rate=dec("1e6"), number_of_payments=1200
        ),
    }
    for what, request in loans.items():
        huge = await failure(finance.CalculateAmortization(request, metadata=token))
        assert (huge.code, huge.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["annual_rate"]), what


async def test_amortization_at_tiny_rates_is_interest_free(finance: Stub, application: Application) -> None:
    """Rates whose interest is far below a cent: the payment is principal / N. Between 1e-40 and 1e-20
    the 40-digit annuity formula cancelled its own digits (1e-38 paid 83.33 a month on 1,200 over 12)."""
    token = bearer(await user_token(application, "edge_tiny"))
    for rate in ("1e-9999", "1e-41", "1e-38", "1e-30", "1e-25"):
        small = await finance.CalculateAmortization(
            pb.CalculateAmortizationRequest(
                principal=usd(1200), annual_rate=dec(rate), number_of_payments=12
            ),
            metadata=token,
        )
        amounts = [(small.payment.units, small.total_interest.units, small.total_paid.units)]
        amounts += [(row.payment.units, row.interest.units, row.payment.nanos) for row in small.rows]
        assert amounts == [(100, 0, 1200)] + [(100, 0, 0)] * 12, rate
        large = await finance.CalculateAmortization(
            pb.CalculateAmortizationRequest(
                principal=usd(1_000_000_000_000_000), annual_rate=dec(rate), number_of_payments=1200
            ),
            metadata=token,
        )
        assert (large.payment.units, large.payment.nanos) == (833_333_333_333, 330_000_000), rate
        assert (large.total_interest.units, large.total_interest.nanos) == (0, 0), rate


async def test_effective_rate_of_a_tiny_rate(finance: Stub, application: Application) -> None:
    """(1 + r/n)^n - 1 and e^r - 1 keep a tiny rate's 28 digits instead of cancelling them (to 0 at 1e-45)."""
    token = bearer(await user_token(application, "edge_effective"))
    for text in ("1e-45", "1e-30", "-1e-30", "1.5e-20"):
        rate = Decimal(text)
        with localcontext(prec=200):
            exact = {
                pb.INTEREST_METHOD_COMPOUND: (1 + rate / 12) ** 12 - 1,
                pb.INTEREST_METHOD_CONTINUOUS: rate.exp() - 1,
            }
        for method, expected in exact.items():
            result = await finance.CalculateInterest(
                pb.CalculateInterestRequest(
                    principal=usd(100),
                    annual_rate=dec(text),
                    method=method,
                    term_years=dec("1"),
                    periods_per_year=12,
                ),
                metadata=token,
            )
            got = Decimal(result.effective_annual_rate.value)
            assert abs(got - expected) <= abs(expected) * Decimal("1e-27"), (text, method, got)


async def test_simple_interest_at_a_negative_rate_stops_at_nothing_left(
    finance: Stub, application: Application
) -> None:
    """-50% a year takes the whole principal in two years; over ten, simple interest would leave
    -4,000 of 1,000, where compounding only approaches zero."""
    token = bearer(await user_token(application, "edge_negative_simple"))

    def request(method: int, years: str) -> pb.CalculateInterestRequest:
        return pb.CalculateInterestRequest(
            principal=usd(1000), annual_rate=dec("-0.5"), method=method, term_years=dec(years)
        )

    spent = await finance.CalculateInterest(request(pb.INTEREST_METHOD_SIMPLE, "2"), metadata=token)
    assert (spent.final_amount.units, spent.interest.units) == (0, -1000)
    past = await failure(finance.CalculateInterest(request(pb.INTEREST_METHOD_SIMPLE, "10"), metadata=token))
    assert (past.code, past.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["annual_rate"])
    compounded = await finance.CalculateInterest(request(pb.INTEREST_METHOD_COMPOUND, "10"), metadata=token)
    assert (compounded.final_amount.units, compounded.final_amount.nanos) == (0, 980_000_000)  # 1000 / 2**10
