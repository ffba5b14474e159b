"""``quantis finance npv|irr|amortize``: the server's exact decimal calculators."""

from __future__ import annotations

import argparse
from datetime import date

from google.type import date_pb2, decimal_pb2

from quantis.cli.common import command, decimal, enum_name, enum_value, money, money_text
from quantis.cli.output import Output
from quantis.client import Client
from quantis.v1 import financial_service_pb2 as pb


def _flows(args: argparse.Namespace) -> list[str]:
    """Flows as separate arguments (``-1000 500 600``) or comma-separated, or both."""
    return [part.strip() for item in args.cash_flows for part in item.split(",") if part.strip()]


def _npv(client: Client, args: argparse.Namespace) -> Output:
    request = pb.CalculateNpvRequest(
        rate=decimal_pb2.Decimal(value=str(decimal(args.rate))),
        cash_flows=[money(decimal(flow), args.currency) for flow in _flows(args)],
        dates=[date_pb2.Date(year=d.year, month=d.month, day=d.day) for d in args.dates or ()],
    )
    if args.convention:
        request.convention = enum_value(pb.NpvConvention, "NPV_CONVENTION_", args.convention)  # type: ignore[assignment]
    response = client.financial.CalculateNpv(request)
    row = {
        "npv": money_text(response.npv),
        "currency": response.npv.currency_code,
        "unrounded_npv": response.unrounded_npv.value,
        "convention": enum_name(pb.NpvConvention, "NPV_CONVENTION_", response.convention),
    }
    return Output.one(row)


def _irr(client: Client, args: argparse.Namespace) -> Output:
    request = pb.CalculateIrrRequest(
        values=[decimal_pb2.Decimal(value=str(decimal(f))) for f in _flows(args)]
    )
    response = client.financial.CalculateIrr(request)
    row = {
        "outcome": enum_name(pb.IrrOutcome, "IRR_OUTCOME_", response.outcome),
        "rate": response.rate.value,
        "roots": [root.value for root in response.roots],
        "sign_changes": response.sign_changes,
    }
    return Output.one(row)


def _amortize(client: Client, args: argparse.Namespace) -> Output:
    request = pb.CalculateAmortizationRequest(
        principal=money(decimal(args.principal), args.currency),
        annual_rate=decimal_pb2.Decimal(value=str(decimal(args.rate))),
        number_of_payments=args.payments,
        payments_per_year=args.per_year,
    )
    response = client.financial.CalculateAmortization(request)
    rows = [
        {
            "period": row.period,
            "payment": money_text(row.payment),
            "interest": money_text(row.interest),
            "principal": money_text(row.principal),
            "balance": money_text(row.balance),
        }
        for row in response.rows
    ]
    return Output(rows, ["period", "payment", "interest", "principal", "balance"])


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("finance", help="NPV, IRR and loan amortization").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    npv = command(group, "npv", _npv, "net present value of cash flows")
    npv.add_argument("--rate", required=True, help="discount rate per period, e.g. 0.05")
    npv.add_argument("cash_flows", nargs="+", help="the amounts in time order, outflows negative")
    npv.add_argument("--currency", default="USD")
    npv.add_argument("--convention", help="first_at_t0 (default) or end_of_period")
    npv.add_argument(
        "--date", dest="dates", action="append", type=date.fromisoformat, help="date of each flow (XNPV)"
    )
    irr = command(group, "irr", _irr, "internal rate of return of cash flows")
    irr.add_argument("cash_flows", nargs="+", help="the amounts in time order, outflows negative")
    amortize = command(group, "amortize", _amortize, "a level-payment loan's schedule")
    amortize.add_argument("--principal", required=True)
    amortize.add_argument("--rate", required=True, help="annual rate, e.g. 0.05")
    amortize.add_argument("--payments", type=int, required=True, help="number of payments")
    amortize.add_argument("--per-year", type=int, default=12)
    amortize.add_argument("--currency", default="USD")
