"""Accounts for the operator commands and the server alike.

``quantis users create-admin`` needs the account service and nothing of the serving stack
(torch, statsforecast, the backends), so it builds only that and starts in about a second.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from server.auth.passwords import HashCost
from server.auth.permissions import Role
from server.auth.tokens import TokenCodec
from server.db.database import Database
from server.db.migrate import upgrade_to_head
from server.domain.account_rules import AccountPolicy
from server.domain.accounts import AccountService
from server.settings import Settings
from server.state.revocation import MemoryRevocationStore


def account_policy(settings: Settings) -> AccountPolicy:
    return AccountPolicy(
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        session_lifetime=timedelta(days=settings.refresh_token_days),
        challenge_lifetime=timedelta(minutes=settings.mfa_challenge_minutes),
        max_sessions=settings.max_sessions_per_user,
        lockout_failures=settings.lockout_failures,
        lockout_duration=timedelta(minutes=settings.lockout_minutes),
        allow_registration=settings.allow_registration,
        password_hashing=HashCost(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        ),
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


async def create_admin(settings: Settings, username: str, email: str, password: str) -> str:
    """Migrate the database if needed and register an admin; returns the new user's id."""
    await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url)
    db = Database.connect(settings.resolved_database_url)
    try:
        codec = TokenCodec(settings.jwt_secret, timedelta(minutes=settings.access_token_minutes))
        # Registering revokes nothing: the revocation store is never read here.
        accounts = AccountService(db, codec, MemoryRevocationStore(), account_policy(settings), utcnow)
        user = await accounts.register(username, email, password, role=Role.ADMIN)
        return user.id
    finally:
        db.dispose()
