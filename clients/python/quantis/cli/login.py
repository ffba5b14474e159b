"""``quantis login`` / ``quantis logout``: a session whose tokens are kept in the config directory."""

from __future__ import annotations

import argparse
import getpass
import sys

from quantis.cli import config
from quantis.cli.common import command
from quantis.cli.output import Output
from quantis.client import Client
from quantis.v1 import auth_service_pb2


def _login(client: Client, args: argparse.Namespace) -> Output:
    username = args.username or input("Username: ")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    tokens = client.login(username, password, totp=args.totp)
    server = client.target
    config.save(server, tokens, username)
    row = {
        "server": server,
        "username": username,
        "session_id": tokens.session_id,
        "access_token_expire_time": tokens.access_token_expire_time.isoformat(),
        "credentials_file": str(config.credentials_path()),
    }
    return Output.one(row, ["server", "username", "session_id", "credentials_file"])


def _logout(client: Client, args: argparse.Namespace) -> Output:
    if client.credentials.tokens is not None:
        client.auth.Logout(auth_service_pb2.LogoutRequest())
    return Output.one({"logged_out": config.forget()})


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = command(commands, "login", _login, "log in and store the session for later commands")
    login.add_argument("--username", "-u")
    login.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    login.add_argument("--totp", help="the current code of your authenticator app, for accounts with MFA")
    command(commands, "logout", _logout, "end the stored session and forget it")
