"""The ``quantis`` command: ``serve``, ``web`` (gRPC-web), ``worker``, ``users create-admin``, and for
deployments ``db upgrade`` (a migration job) and ``health`` (a container health check)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import sys
from collections.abc import Iterator

from server.errors import CannotListen, QuantisError
from server.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quantis",
        description="Quantis forecasting server.",
        epilog="Every other command (login, datasets, models, predict, batch, finance, alerts) is the "
        "client's: see `quantis login --help` and the others.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gRPC server (settings from QUANTIS_* variables)")
    serve.add_argument("--host", help="bind address (QUANTIS_HOST)")
    serve.add_argument("--port", type=int, help="gRPC port (QUANTIS_PORT)")
    worker = commands.add_parser(
        "worker",
        help="run training jobs from the Celery broker (QUANTIS_JOB_BROKER; settings from QUANTIS_*)",
    )
    worker.add_argument("--concurrency", type=int, default=1, help="training jobs run at once (default 1)")
    db = commands.add_parser("db", help="manage the database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply every pending migration to the configured database, then exit")
    health = commands.add_parser(
        "health", help="exit 0 when a server reports SERVING on grpc.health.v1 (container health checks)"
    )
    health.add_argument("--target", help="host:port to check (default 127.0.0.1:QUANTIS_PORT)")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the answer")
    web = commands.add_parser(
        "web", help="serve gRPC-web (browsers, the dashboard) and forward it to a gRPC server"
    )
    web.add_argument(
        "--listen", help="host:port to serve HTTP on (QUANTIS_WEB_LISTEN, default 127.0.0.1:8080)"
    )
    target = web.add_mutually_exclusive_group()
    target.add_argument(
        "--target", help="plaintext gRPC server to forward to (default QUANTIS_HOST:QUANTIS_PORT)"
    )
    target.add_argument(
        "--serve", action="store_true", help="also run the gRPC server in this process (local use)"
    )
    users = commands.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create-admin", help="create an admin account in the configured database")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of a prompt",
    )
    return parser


def _serving(target: str, timeout: float) -> bool:
    """Ask grpc.health.v1 over plaintext: images carry no grpc_health_probe binary, and Kubernetes'
    native gRPC probes are plaintext too."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        try:
            stub = health_pb2_grpc.HealthStub(channel)
            reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def _settings(**overrides: object) -> Settings:
    """Settings from the environment; a setting that is out of range or contradicts another is
    reported as a one-line error per problem (exit status 2), not a traceback."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            name = f"QUANTIS_{where.upper()}: " if where else ""
            print(f"quantis: {name}{problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        raise SystemExit(2) from error


@contextlib.contextmanager
def _listening() -> Iterator[None]:
    """A listener that cannot bind ends the command with one line naming it, and status 1."""
    try:
        yield
    except CannotListen as error:
        print(f"quantis: {error}", file=sys.stderr)
        raise SystemExit(1) from None


def _web(args: argparse.Namespace) -> None:
    from server.logs import configure_logging
    from server.web.app import host_port, serve

    settings = Settings()
    if args.serve and settings.port == 0:
        print("quantis: web --serve needs a fixed gRPC port (QUANTIS_PORT)", file=sys.stderr)
        raise SystemExit(2)
    if args.serve and settings.tls_cert_file is not None:
        print(
            "quantis: web --serve forwards to its server in plaintext: unset QUANTIS_TLS_CERT_FILE",
            file=sys.stderr,
        )
        raise SystemExit(2)
    try:
        listen = host_port(args.listen or settings.web_listen)
    except ValueError as error:
        print(f"quantis: --listen: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    configure_logging(settings.log_level, settings.log_json)
    with _listening():
        asyncio.run(serve(settings, listen, args.target, args.serve))


def server_commands() -> set[str]:
    """The commands this module runs; the client CLI (quantis.cli) hands these over to it."""
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(commands.choices)


def main(argv: list[str] | None = None) -> None:
    """Runs a server command; any other command (login, datasets, predict...) is the client CLI's."""
    words = sys.argv[1:] if argv is None else argv
    if words and words[0] not in {*server_commands(), "-h", "--help"}:
        from quantis.cli import main as client_main

        client_main(list(words))
        return
    args = _parser().parse_args(words)
    if args.command == "serve":
        from server.app import run

        overrides = {
            key: value for key, value in (("host", args.host), ("port", args.port)) if value is not None
        }
        with _listening():
            run(_settings(**overrides))
    elif args.command == "worker":
        from server.jobs.celery_app import run_worker
        from server.jobs.worker_config import queue_name

        settings = Settings()
        if not settings.job_broker:
            print("quantis: set QUANTIS_JOB_BROKER (redis://...) to run a worker", file=sys.stderr)
            raise SystemExit(2)
        run_worker(settings.job_broker, queue_name(settings.redis_key_prefix), args.concurrency)
    elif args.command == "db":
        from server.db.migrate import current_revision, upgrade_to_head

        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade_to_head(settings.resolved_database_url)
        print(f"database at revision {current_revision(settings.resolved_database_url)}")
    elif args.command == "health":
        target = args.target or f"127.0.0.1:{Settings().port}"
        if not _serving(target, args.timeout):
            print(f"quantis: {target} is not serving", file=sys.stderr)
            raise SystemExit(1)
    elif args.command == "web":
        _web(args)
    elif args.command == "users":
        from server.admin import create_admin

        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            user_id = asyncio.run(create_admin(settings, args.username, args.email, password))
        except QuantisError as error:
            print(f"quantis: {error.message}", file=sys.stderr)
            raise SystemExit(2) from error
        print(f"created admin {args.username} ({user_id})")
