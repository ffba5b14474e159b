"""The ``quantis`` command: ``serve``, ``worker`` and ``users create-admin``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from server.errors import QuantisError
from server.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quantis", description="Quantis forecasting server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gRPC server (settings from QUANTIS_* variables)")
    serve.add_argument("--host", help="bind address (QUANTIS_HOST)")
    serve.add_argument("--port", type=int, help="gRPC port (QUANTIS_PORT)")
    worker = commands.add_parser(
        "worker",
        help="run training jobs from the Celery broker (QUANTIS_JOB_BROKER; settings from QUANTIS_*)",
    )
    worker.add_argument("--concurrency", type=int, default=1, help="training jobs run at once (default 1)")
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


async def _create_admin(settings: Settings, username: str, email: str, password: str) -> str:
    from server.auth.permissions import Role
    from server.composition import build_application
    from server.db.migrate import upgrade_to_head

    await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url)
    application = await build_application(settings)
    try:
        user = await application.accounts.register(username, email, password, role=Role.ADMIN)
        return user.id
    finally:
        await application.close()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from server.app import run

        overrides = {
            key: value for key, value in (("host", args.host), ("port", args.port)) if value is not None
        }
        run(Settings(**overrides))
    elif args.command == "worker":
        from server.jobs.celery_app import run_worker
        from server.jobs.worker_config import queue_name

        settings = Settings()
        if not settings.job_broker:
            print("quantis: set QUANTIS_JOB_BROKER (redis://...) to run a worker", file=sys.stderr)
            raise SystemExit(2)
        run_worker(settings.job_broker, queue_name(settings.redis_key_prefix), args.concurrency)
    elif args.command == "users":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            user_id = asyncio.run(_create_admin(settings, args.username, args.email, password))
        except QuantisError as error:
            print(f"quantis: {error.message}", file=sys.stderr)
            raise SystemExit(2) from error
        print(f"created admin {args.username} ({user_id})")
