"""The ``quantis`` command."""

from __future__ import annotations

import argparse

from server.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="quantis", description="Quantis forecasting server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gRPC server (settings from QUANTIS_* variables)")
    serve.add_argument("--host", help="bind address (QUANTIS_HOST)")
    serve.add_argument("--port", type=int, help="gRPC port (QUANTIS_PORT)")
    args = parser.parse_args(argv)

    if args.command == "serve":
        from server.app import run

        overrides = {
            key: value for key, value in (("host", args.host), ("port", args.port)) if value is not None
        }
        run(Settings(**overrides))
