"""FinancialService calculator messages from and to domain values.

The calculators are the only RPCs that carry google.type.Decimal rates and
google.type.Date cash-flow dates; money and enums go through the financial
mappers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from google.type import date_pb2, decimal_pb2
from quantis.v1 import financial_service_pb2 as pb

from server.domain.finance.cashflows import IrrResult
from server.domain.finance.loans import Amortization, InterestResult
from server.domain.finance.money import decimal_text, parse_decimal
from server.errors import InvalidArgument
from server.mappers.financial import enum_to_proto, money_to_proto


def decimal_from_proto(message: decimal_pb2.Decimal, field: str) -> Decimal:
    value = parse_decimal(message.value, field)
    assert value is not None
    return value


def optional_decimal(message: decimal_pb2.Decimal, present: bool, field: str) -> Decimal | None:
    return parse_decimal(message.value, field, required=False) if present else None


def decimal_to_proto(value: Decimal, significant: int = 28) -> decimal_pb2.Decimal:
    return decimal_pb2.Decimal(value=decimal_text(value, significant))


def date_from_proto(message: date_pb2.Date, field: str) -> date:
    try:
        return date(message.year, message.month, message.day)
    except ValueError as exc:
        raise InvalidArgument.field(field, "must be a full, valid calendar date") from exc


def dates_from_proto(messages: Any, field: str) -> list[date]:
    return [date_from_proto(m, f"{field}[{i}]") for i, m in enumerate(messages)]


def irr_to_proto(result: IrrResult) -> pb.CalculateIrrResponse:
    return pb.CalculateIrrResponse(
        outcome=enum_to_proto(result.outcome),  # type: ignore[arg-type]
        rate=decimal_to_proto(result.rate) if result.rate is not None else None,
        sign_changes=result.sign_changes,
        roots=[decimal_to_proto(root) for root in result.roots],
        iterations=result.iterations,
        lower_bound=decimal_to_proto(result.lower_bound),
        upper_bound=decimal_to_proto(result.upper_bound),
    )


def interest_to_proto(result: InterestResult) -> pb.CalculateInterestResponse:
    return pb.CalculateInterestResponse(
        interest=money_to_proto(result.interest),
        final_amount=money_to_proto(result.final_amount),
        effective_annual_rate=decimal_to_proto(result.effective_annual_rate),
    )


def amortization_to_proto(result: Amortization) -> pb.CalculateAmortizationResponse:
    return pb.CalculateAmortizationResponse(
        payment=money_to_proto(result.payment),
        total_interest=money_to_proto(result.total_interest),
        total_paid=money_to_proto(result.total_paid),
        rows=[
            pb.AmortizationRow(
                period=row.period,
                payment=money_to_proto(row.payment),
                interest=money_to_proto(row.interest),
                principal=money_to_proto(row.principal),
                balance=money_to_proto(row.balance),
            )
            for row in result.rows
        ],
    )
