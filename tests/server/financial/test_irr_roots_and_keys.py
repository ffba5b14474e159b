"""CalculateIrr at multiple and close roots, where floating point alone cannot decide, and an
idempotency key with a space (printable ASCII)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from google.type import decimal_pb2
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import financial_service_pb2_grpc

from server.auth.permissions import Role
from server.composition import Application
from server.domain.finance.cashflows import IrrBracket, IrrOutcome, irr
from server.settings import Settings
from tests.server.auth_helpers import user_token
from tests.server.conftest import make_settings
from tests.server.financial.conftest import bearer, create_request

Stub = financial_service_pb2_grpc.FinancialServiceStub


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def npv(flows: list[str], rate: str) -> Fraction:
    """The exact NPV, in rationals: independent of the solver."""
    base = 1 + Fraction(rate)
    return sum((Fraction(flow) / base**index for index, flow in enumerate(flows)), Fraction(0))


# Flows built from their roots, each root checked exactly below: (flows, outcome, the true roots).
CASES = [
    (["-100", "330", "-363", "133.1"], IrrOutcome.FOUND, ["0.1"]),  # -100 (1 - 1.1/x)^3: triple root
    (["-100", "300", "-300", "100"], IrrOutcome.FOUND, ["0"]),  # triple root at 0
    (["-100", "220", "-121"], IrrOutcome.FOUND, ["0.1"]),  # double: touches zero, no sign change
    (["-100", "220.0010", "-121.00110"], IrrOutcome.MULTIPLE_SOLUTIONS, ["0.1", "0.10001"]),
    (["-100", "220.00000100", "-121.000001100"], IrrOutcome.MULTIPLE_SOLUTIONS, ["0.1", "0.10000001"]),
]


@pytest.mark.parametrize(("flows", "outcome", "true_roots"), CASES)
def test_every_root_reported_is_within_1e_12_of_a_true_root(
    flows: list[str], outcome: IrrOutcome, true_roots: list[str]
) -> None:
    assert all(npv(flows, root) == 0 for root in true_roots)
    found = irr([Decimal(flow) for flow in flows], IrrBracket())
    assert found.outcome is outcome
    assert len(found.roots) == len(true_roots)
    for reported, true in zip(found.roots, true_roots, strict=True):
        assert abs(Fraction(reported) - Fraction(true)) <= Fraction(1, 10**12), (reported, true)
    if outcome is IrrOutcome.FOUND:
        assert found.rate == found.roots[0]


async def test_a_triple_root_is_found_exactly_over_the_channel(
    finance: Stub, application: Application
) -> None:
    token = bearer(await user_token(application, "ivy"))
    found = await finance.CalculateIrr(
        pb.CalculateIrrRequest(
            values=[decimal_pb2.Decimal(value=v) for v in ("-100", "330", "-363", "133.1")]
        ),
        metadata=token,
    )
    assert (found.outcome, found.rate.value, [r.value for r in found.roots]) == (
        pb.IRR_OUTCOME_FOUND,
        "0.1",
        ["0.1"],
    )


async def test_an_idempotency_key_may_hold_spaces(finance: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "ian", Role.ANALYST))
    created = await finance.CreateTransaction(create_request(5, key="order 42 b40b71"), metadata=token)
    assert created.transaction.idempotency_key == "order 42 b40b71"
    again = await finance.CreateTransaction(create_request(5, key="order 42 b40b71"), metadata=token)
    assert again.transaction.transaction_id == created.transaction.transaction_id
