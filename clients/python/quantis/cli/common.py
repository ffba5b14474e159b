"""What every CLI command shares: the global options, and parsing of enums, money and lists."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.type import money_pb2

from quantis.cli.output import Output
from quantis.client import Client

Handler = Callable[[Client, argparse.Namespace], Output]


def common_options() -> argparse.ArgumentParser:
    """Options accepted before or after the command (SUPPRESS keeps a later parser from resetting them)."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--server", help="host:port of the server ($QUANTIS_SERVER, else the stored login's)")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")
    common.add_argument("--api-key", help="authenticate with an API key ($QUANTIS_API_KEY)")
    common.add_argument("--insecure", action="store_true", help="plaintext even for a non-loopback server")
    common.add_argument("--ca-cert", help="PEM file of the CA to trust")
    common.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    common.add_argument("--key", help="PEM private key of --cert")
    common.add_argument("--timeout", type=float, help="deadline of each call in seconds (default 30)")
    return common


def option(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def command(
    group: argparse._SubParsersAction[argparse.ArgumentParser], name: str, handler: Handler, help: str
) -> argparse.ArgumentParser:
    parser = group.add_parser(name, help=help, description=help, parents=[common_options()])
    parser.set_defaults(handler=handler)
    return parser


def enum_value(enum: EnumTypeWrapper, prefix: str, text: str) -> int:
    """``lstm`` -> MODEL_TYPE_LSTM's number; names the choices when ``text`` is none of them."""
    name = prefix + text.upper().replace("-", "_")
    names = [str(key) for key in enum.keys()]  # noqa: SIM118 - an enum wrapper, not a dict
    if name not in names or name.endswith("_UNSPECIFIED"):
        choices = [k.removeprefix(prefix).lower() for k in names if not k.endswith("_UNSPECIFIED")]
        raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
    return int(enum.Value(name))


def enum_name(enum: EnumTypeWrapper, prefix: str, value: int) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


def decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None


def floats(text: str) -> list[float]:
    return [float(decimal(part)) for part in text.split(",") if part.strip()]


def money(amount: Decimal, currency: str) -> money_pb2.Money:
    units = int(amount)
    nanos = int((amount - units) * 1_000_000_000)
    return money_pb2.Money(currency_code=currency, units=units, nanos=nanos)


def money_text(value: money_pb2.Money) -> str:
    return str(Decimal(value.units) + Decimal(value.nanos) / Decimal(1_000_000_000))
