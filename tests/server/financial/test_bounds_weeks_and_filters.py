"""Second probe over a real channel: a root on the bracket's end, weeks at the last instant of a
Sunday, a listing's currency, and a long loan's final payment."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest
from google.type import decimal_pb2, money_pb2
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.auth.permissions import Role
from server.composition import Application
from tests.server.auth_helpers import user_token
from tests.server.financial.conftest import bearer, create_request, failure, usd

Stub = financial_service_pb2_grpc.FinancialServiceStub


def dec(text: str) -> decimal_pb2.Decimal:
    return decimal_pb2.Decimal(value=text)


async def test_a_root_on_an_end_of_the_bracket_is_inside_it(finance: Stub, application: Application) -> None:
    """The bracket is closed: ln(1.1) as a float fell just inside it, and the root at 0.1 was lost."""
    token = bearer(await user_token(application, "bracket_ends", Role.ANALYST))
    flows = [dec("-1"), dec("1.1")]
    for bounds in (
        {"lower_bound": dec("0.1")},
        {"lower_bound": dec("0"), "upper_bound": dec("0.1")},
        {"lower_bound": dec("0.1"), "upper_bound": dec("0.1000000000000000001")},
    ):
        found = await finance.CalculateIrr(pb.CalculateIrrRequest(values=flows, **bounds), metadata=token)
        assert found.outcome == pb.IRR_OUTCOME_FOUND, bounds
        assert [r.value for r in found.roots] == ["0.1"] and found.rate.value == "0.1", bounds
    # Just past the end is still outside.
    past = await finance.CalculateIrr(
        pb.CalculateIrrRequest(values=flows, lower_bound=dec("0.100000000001")), metadata=token
    )
    assert past.outcome == pb.IRR_OUTCOME_NO_SOLUTION


async def test_the_last_instant_of_a_sunday_is_in_its_own_week(
    finance: Stub, application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's date modifiers round to the millisecond: 23:59:59.9995 went into the next week."""
    token = bearer(await user_token(application, "late_sunday", Role.ANALYST))
    ledger = application.servicers.financial._ledger  # type: ignore[attr-defined]
    for moment, units in (
        (datetime(2024, 3, 31, 23, 59, 59, 999_999, tzinfo=UTC), 1),
        (datetime(2024, 4, 1, tzinfo=UTC), 2),
    ):
        monkeypatch.setattr(ledger, "_now", lambda moment=moment: moment)
        await finance.CreateTransaction(create_request(units), metadata=token)
    summary = await finance.GetTransactionSummary(
        pb.GetTransactionSummaryRequest(period=pb.SUMMARY_PERIOD_WEEK), metadata=token
    )
    weeks = [(b.period_start.ToDatetime(tzinfo=UTC), b.total.units) for b in summary.buckets]
    assert weeks == [(datetime(2024, 3, 25, tzinfo=UTC), 1), (datetime(2024, 4, 1, tzinfo=UTC), 2)]


async def test_listing_by_an_unknown_currency_is_refused(finance: Stub, application: Application) -> None:
    """It matched nothing and answered an empty page, as if the caller had no such transactions."""
    token = bearer(await user_token(application, "lower_case", Role.ANALYST))
    await finance.CreateTransaction(create_request(5), metadata=token)
    for code in ("usd", "ZZZ", "US"):
        failed = await failure(
            finance.ListTransactions(pb.ListTransactionsRequest(currency_code=code), metadata=token)
        )
        assert (failed.code, failed.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["currency_code"]), code
    listed = await finance.ListTransactions(pb.ListTransactionsRequest(currency_code="USD"), metadata=token)
    assert listed.total_size == 1


async def test_a_long_loans_final_payment_pays_it_off_exactly(
    finance: Stub, application: Application
) -> None:
    """The figures the contract's comment on CalculateAmortizationResponse quotes."""
    token = bearer(await user_token(application, "long_loan", Role.ANALYST))
    result = await finance.CalculateAmortization(
        pb.CalculateAmortizationRequest(
            principal=usd(100_000), annual_rate=dec("0.06"), number_of_payments=1200
        ),
        metadata=token,
    )

    def amount(money: money_pb2.Money) -> Decimal:
        return Decimal(money.units) + Decimal(money.nanos).scaleb(-9)

    assert amount(result.payment) == Decimal("501.26")
    assert amount(result.rows[-1].payment) == Decimal("599.02")
    assert sum(amount(row.principal) for row in result.rows) == 100_000
    assert amount(result.rows[-1].balance) == 0
