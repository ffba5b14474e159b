"""The calculators over a real channel: money and decimals in and out, bad input named."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from google.type import date_pb2, decimal_pb2
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.composition import Application
from server.settings import Settings
from tests.server.auth_helpers import user_token
from tests.server.conftest import make_settings
from tests.server.financial.conftest import bearer, failure, usd

Stub = financial_service_pb2_grpc.FinancialServiceStub


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Pure calculations: the embedded backing is enough."""
    return make_settings(tmp_path)


def dec(text: str) -> decimal_pb2.Decimal:
    return decimal_pb2.Decimal(value=text)


async def test_npv_conventions_and_xnpv(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "vic"))
    flows = [usd(-1000), usd(500), usd(600)]
    t0 = await finance.CalculateNpv(pb.CalculateNpvRequest(rate=dec("0.1"), cash_flows=flows), metadata=token)
    # -1000 + 500/1.1 + 600/1.21 = -49.586776859...
    assert (t0.npv.units, t0.npv.nanos) == (-49, -590_000_000)
    assert t0.unrounded_npv.value.startswith("-49.5867768595041322314049586")
    assert t0.convention == pb.NPV_CONVENTION_FIRST_AT_T0
    end = await finance.CalculateNpv(
        pb.CalculateNpvRequest(rate=dec("0.1"), cash_flows=flows, convention=pb.NPV_CONVENTION_END_OF_PERIOD),
        metadata=token,
    )
    assert (end.npv.units, end.npv.nanos) == (-45, -80_000_000)
    dated = await finance.CalculateNpv(
        pb.CalculateNpvRequest(
            rate=dec("0.1"),
            cash_flows=flows,
            dates=[
                date_pb2.Date(year=2025, month=1, day=1),
                date_pb2.Date(year=2026, month=1, day=1),
                date_pb2.Date(year=2027, month=1, day=1),
            ],
        ),
        metadata=token,
    )
    assert dated.npv == t0.npv  # whole years of 365 days
    jpy = await finance.CalculateNpv(
        pb.CalculateNpvRequest(
            rate=dec("0.03"), cash_flows=[usd(0, currency="JPY"), usd(1000, currency="JPY")]
        ),
        metadata=token,
    )
    assert (jpy.npv.units, jpy.npv.nanos) == (971, 0)  # 970.87 rounds to whole yen


async def test_npv_bad_input_is_named(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "wes"))
    cases = {
        "rate": pb.CalculateNpvRequest(rate=dec("-1"), cash_flows=[usd(1)]),
        "cash_flows": pb.CalculateNpvRequest(rate=dec("0.1")),
        "cash_flows[1].currency_code": pb.CalculateNpvRequest(
            rate=dec("0.1"), cash_flows=[usd(1), usd(1, currency="EUR")]
        ),
        "cash_flows[0].nanos": pb.CalculateNpvRequest(rate=dec("0.1"), cash_flows=[usd(1, 1)]),
        "dates": pb.CalculateNpvRequest(
            rate=dec("0.1"), cash_flows=[usd(1), usd(2)], dates=[date_pb2.Date(year=2025, month=1, day=1)]
        ),
        "dates[1]": pb.CalculateNpvRequest(
            rate=dec("0.1"),
            cash_flows=[usd(1), usd(2)],
            dates=[date_pb2.Date(year=2025, month=1, day=1), date_pb2.Date(year=2025, month=2, day=30)],
        ),
    }
    for field, request in cases.items():
        failed = await failure(finance.CalculateNpv(request, metadata=token))
        assert (failed.code, failed.fields) == (grpc.StatusCode.INVALID_ARGUMENT, [field]), field
    for text in ("NaN", "Infinity", "1e", "five"):
        failed = await failure(
            finance.CalculateNpv(pb.CalculateNpvRequest(rate=dec(text), cash_flows=[usd(1)]), metadata=token)
        )
        assert failed.fields == ["rate"], text
    # A result past what money holds (1 USD a period at -99%, 20 periods: about 1e40) is the
    # caller's error, checked before rounding to cents (which overflowed: INTERNAL).
    huge = await failure(
        finance.CalculateNpv(
            pb.CalculateNpvRequest(rate=dec("-0.99"), cash_flows=[usd(1)] * 20), metadata=token
        )
    )
    assert (huge.code, huge.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["rate"])
    compounded = pb.CalculateInterestRequest(
        principal=usd(1), annual_rate=dec("1"), method=2, term_years=dec("100")
    )
    huge = await failure(finance.CalculateInterest(compounded, metadata=token))
    assert (huge.code, huge.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["annual_rate"])


async def test_irr_outcomes(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "xia"))
    found = await finance.CalculateIrr(
        pb.CalculateIrrRequest(cash_flows=[usd(-1000), usd(1100)]), metadata=token
    )
    assert found.outcome == pb.IRR_OUTCOME_FOUND and found.rate.value == "0.1" and found.sign_changes == 1
    several = await finance.CalculateIrr(
        pb.CalculateIrrRequest(values=[dec("-1"), dec("2.3"), dec("-1.32")]), metadata=token
    )
    assert several.outcome == pb.IRR_OUTCOME_MULTIPLE_SOLUTIONS and not several.HasField("rate")
    assert [r.value for r in several.roots] == ["0.1", "0.2"]
    # Roots closer together than the search grid's step: no sign change on the grid, a dip.
    close = await finance.CalculateIrr(
        pb.CalculateIrrRequest(values=[dec("-1"), dec("2.001"), dec("-1.001")]), metadata=token
    )
    assert close.outcome == pb.IRR_OUTCOME_MULTIPLE_SOLUTIONS
    assert [r.value for r in close.roots] == ["0", "0.001"]
    # A root just above -100% (1 + r = 1e-14) stays above it at twelve places: -1 is no rate.
    edge = await finance.CalculateIrr(
        pb.CalculateIrrRequest(values=[dec("-1"), dec("1e-14")], lower_bound=dec("-0.99999999999999999")),
        metadata=token,
    )
    assert (edge.outcome, edge.rate.value) == (pb.IRR_OUTCOME_FOUND, "-0.999999999999")
    none = await finance.CalculateIrr(pb.CalculateIrrRequest(values=[dec("1"), dec("2")]), metadata=token)
    assert none.outcome == pb.IRR_OUTCOME_NO_SOLUTION and none.sign_changes == 0 and not none.roots
    assert (none.lower_bound.value, none.upper_bound.value) == ("-0.99", "10")
    both = await failure(
        finance.CalculateIrr(pb.CalculateIrrRequest(values=[dec("1")], cash_flows=[usd(1)]), metadata=token)
    )
    assert both.fields == ["values"]
    bracket = await failure(
        finance.CalculateIrr(
            pb.CalculateIrrRequest(
                values=[dec("-1"), dec("2")], lower_bound=dec("0.5"), upper_bound=dec("0.1")
            ),
            metadata=token,
        )
    )
    assert bracket.fields == ["upper_bound"]


async def test_interest_methods(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "yan"))

    async def interest(method: int, **term: object) -> pb.CalculateInterestResponse:
        return await finance.CalculateInterest(
            pb.CalculateInterestRequest(principal=usd(1000), annual_rate=dec("0.05"), method=method, **term),  # type: ignore[arg-type]
            metadata=token,
        )

    simple = await interest(pb.INTEREST_METHOD_SIMPLE, term_years=dec("2"))
    assert (simple.final_amount.units, simple.interest.units, simple.effective_annual_rate.value) == (
        1100,
        100,
        "0.05",
    )
    monthly = await interest(pb.INTEREST_METHOD_COMPOUND, term_years=dec("1"), periods_per_year=12)
    assert (monthly.final_amount.units, monthly.final_amount.nanos) == (1051, 160_000_000)  # 1051.16
    assert monthly.effective_annual_rate.value.startswith("0.05116189788")
    continuous = await interest(pb.INTEREST_METHOD_CONTINUOUS, term_days=365)
    assert (continuous.final_amount.units, continuous.final_amount.nanos) == (1051, 270_000_000)  # 1051.27
    unspecified = await failure(
        finance.CalculateInterest(
            pb.CalculateInterestRequest(principal=usd(1), annual_rate=dec("0.05"), term_years=dec("1")),
            metadata=token,
        )
    )
    assert unspecified.fields == ["method"]
    long = await failure(interest(pb.INTEREST_METHOD_SIMPLE, term_years=dec("101")))
    assert long.fields == ["term_years"]


async def test_amortization_schedule(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "zed"))
    schedule = await finance.CalculateAmortization(
        pb.CalculateAmortizationRequest(
            principal=usd(2500), annual_rate=dec("0.0824"), number_of_payments=12
        ),
        metadata=token,
    )
    assert (schedule.payment.units, schedule.payment.nanos) == (
        217,
        750_000_000,
    )  # numpy-financial's 217.7495
    first = schedule.rows[0]
    assert (first.interest.units, first.interest.nanos, first.principal.units, first.principal.nanos) == (
        17,
        170_000_000,
        200,
        580_000_000,
    )
    last = schedule.rows[-1]
    assert (last.balance.units, last.balance.nanos) == (0, 0) and len(schedule.rows) == 12
    # Row interest is rounded per row: 112.97 (the unrounded schedule's total is 112.98).
    assert (schedule.total_interest.units, schedule.total_interest.nanos) == (112, 970_000_000)
    assert (schedule.total_paid.units, schedule.total_paid.nanos) == (2612, 970_000_000)
    assert (last.payment.units, last.payment.nanos) != (217, 750_000_000)  # the last payment absorbs rounding
    bad = await failure(
        finance.CalculateAmortization(
            pb.CalculateAmortizationRequest(principal=usd(1), annual_rate=dec("0.1"), number_of_payments=0),
            metadata=token,
        )
    )
    assert bad.fields == ["number_of_payments"]


async def test_calculator_edges_are_answered_or_named(finance: Stub, application: Application) -> None:
    """Each of these was INTERNAL, or a wrong outcome, before."""
    token = bearer(await user_token(application, "edge"))
    # A lower bound that is -1.0 as a float: the search runs in ln(1 + r), taken in Decimal.
    close = await finance.CalculateIrr(
        pb.CalculateIrrRequest(values=[dec("-100"), dec("110")], lower_bound=dec("-0.999999999999999999999")),
        metadata=token,
    )
    assert (close.outcome, close.rate.value) == (pb.IRR_OUTCOME_FOUND, "0.1")
    # Flows past what a float holds, or below its smallest: an IRR of 0, found.
    for size in ("1e400", "1e-400"):
        even = await finance.CalculateIrr(
            pb.CalculateIrrRequest(values=[dec(f"-{size}"), dec(size)]), metadata=token
        )
        assert (even.outcome, even.rate.value) == (pb.IRR_OUTCOME_FOUND, "0"), size
    # Totals past what Money holds, where the payment itself fits.
    huge = await failure(
        finance.CalculateAmortization(
            pb.CalculateAmortizationRequest(
                principal=usd(1_000_000_000_000), annual_rate=dec("1000000"), number_of_payments=1200
            ),
            metadata=token,
        )
    )
    assert (huge.code, huge.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["annual_rate"])
    # A rate too small to change 1 + i at 40 digits: an interest-free loan, principal / N.
    tiny = await finance.CalculateAmortization(
        pb.CalculateAmortizationRequest(
            principal=usd(1200), annual_rate=dec("1e-9999"), number_of_payments=12
        ),
        metadata=token,
    )
    assert (tiny.payment.units, tiny.total_interest.units, tiny.total_paid.units) == (100, 0, 1200)
    # A term past 100 years given in days names term_days.
    long = await failure(
        finance.CalculateInterest(
            pb.CalculateInterestRequest(
                principal=usd(1), annual_rate=dec("0.05"), method=pb.INTEREST_METHOD_SIMPLE, term_days=40_000
            ),
            metadata=token,
        )
    )
    assert long.fields == ["term_days"]
