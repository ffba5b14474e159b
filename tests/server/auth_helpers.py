"""Accounts for tests, made through the real domain services."""

from __future__ import annotations

from server.auth.permissions import Role
from server.composition import Application
from server.domain.account_rules import ClientInfo, MfaChallenge

PASSWORD = "Correct-Horse-9-Battery"


async def user_token(application: Application, username: str, role: Role = Role.VIEWER) -> str:
    """Register ``username`` with ``role`` and return an access token for it."""
    await application.accounts.register(username, f"{username}@example.com", PASSWORD, role=role)
    result = await application.accounts.login(username, PASSWORD, ClientInfo())
    assert not isinstance(result, MfaChallenge)
    return result.access_token


async def admin_token(application: Application, username: str = "root_admin") -> str:
    return await user_token(application, username, Role.ADMIN)
