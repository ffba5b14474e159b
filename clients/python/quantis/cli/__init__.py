"""The ``quantis`` command line, on top of the SDK.

Every command is ``quantis [options] GROUP ACTION ...``; options (``--server``,
``--json``, ``--api-key``, TLS files) may come before or after the command.
Credentials come from ``--api-key``/``$QUANTIS_API_KEY``, else from the login
stored by ``quantis login``. Failures print the server's message and the fields
it named, and exit with status 1 (2 for a usage error); so does ``models train
--watch`` when the job fails or is cancelled, after printing the job.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from quantis import errors
from quantis.channels import Tls
from quantis.cli import alerts, config, datasets, finance, login, models, predictions
from quantis.cli.common import Handler, common_options, option
from quantis.cli.output import emit
from quantis.client import DEFAULT_TARGET, Client

GROUPS = (login, datasets, models, predictions, finance, alerts)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="quantis", description="Quantis forecasting client.", parents=[common_options()]
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return top


def connect(args: argparse.Namespace) -> Client:
    """A client for the chosen server, with the API key or the stored login for that server."""
    try:
        stored = config.load()
    except ValueError:
        if args.command not in ("login", "logout"):
            raise
        stored = None  # an unreadable login: login writes a new one, logout removes it
    server = (
        option(args, "server")
        or os.environ.get("QUANTIS_SERVER")
        or (stored[0] if stored else DEFAULT_TARGET)
    )
    api_key = option(args, "api_key") or os.environ.get("QUANTIS_API_KEY")
    tokens = stored[2] if stored and stored[0] == server and not api_key and args.command != "login" else None
    username = stored[1] if stored else ""
    tls = None
    if option(args, "ca_cert") or option(args, "cert"):
        tls = Tls.from_files(option(args, "ca_cert"), option(args, "cert"), option(args, "key"))
    return Client(
        server,
        api_key=api_key,
        tokens=tokens,
        tls=tls,
        insecure=True if option(args, "insecure") else None,
        timeout=float(option(args, "timeout") or 30.0),
        on_refresh=lambda fresh: config.save(server, fresh, username),
    )


def _report(error: errors.QuantisError) -> None:
    print(f"quantis: {error}", file=sys.stderr)
    for violation in error.field_violations:
        print(f"  {violation.field}: {violation.description}", file=sys.stderr)
    if error.retry_delay:
        print(f"  retry after {error.retry_delay:g}s", file=sys.stderr)


def _server_main(words: list[str]) -> Callable[[list[str]], None] | None:
    """The server's CLI when it is installed and ``words`` name one of its commands (serve, worker...).

    Both packages install a ``quantis`` script; this way either one runs every command.
    """
    try:
        from server.cli import main as server_main
        from server.cli import server_commands
    except ImportError:  # the client installed alone
        return None
    return server_main if words and words[0] in server_commands() else None


def main(argv: list[str] | None = None) -> None:
    words = sys.argv[1:] if argv is None else argv
    server_main = _server_main(words)
    if server_main is not None:
        server_main(words)
        return
    args = parser().parse_args(words)
    handler: Handler = args.handler
    try:
        with connect(args) as client:
            output = handler(client, args)
    except errors.MfaRequired as error:
        print(f"quantis: {error} (--totp)", file=sys.stderr)
        raise SystemExit(1) from None
    except errors.QuantisError as error:
        _report(error)
        raise SystemExit(1) from None
    except (ValueError, OSError) as error:
        print(f"quantis: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    emit(output, bool(option(args, "json")))
    if output.exit_status:
        print(f"quantis: {output.failure}", file=sys.stderr)
        raise SystemExit(output.exit_status)
