"""AccountService rules that need a clock or a policy the server's defaults do not show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.auth.tokens import TokenCodec
from server.db.database import Database
from server.db.migrate import upgrade_to_head
from server.domain.account_rules import AccountPolicy, ClientInfo, MfaChallenge
from server.domain.accounts import AccountService
from server.errors import Unauthenticated
from server.state.revocation import MemoryRevocationStore

PASSWORD = "Sturdy-Passw0rd!"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(tmp_path: Path, clock: Clock) -> AccountService:
    url = f"sqlite:///{tmp_path}/accounts.db"
    upgrade_to_head(url)
    policy = AccountPolicy(max_sessions=2, lockout_failures=3, lockout_duration=timedelta(minutes=15))
    return AccountService(
        Database.connect(url),
        TokenCodec("k" * 32, timedelta(minutes=15)),
        MemoryRevocationStore(),
        policy,
        clock,
    )


async def login(accounts: AccountService, password: str = PASSWORD) -> str:
    result = await accounts.login("pat", password, ClientInfo())
    assert not isinstance(result, MfaChallenge)
    return result.refresh_token


async def test_the_session_cap_ends_the_oldest(accounts: AccountService, clock: Clock) -> None:
    await accounts.register("pat", "pat@example.com", PASSWORD)
    first = await login(accounts)
    clock.now += timedelta(seconds=1)
    second = await login(accounts)
    clock.now += timedelta(seconds=1)
    await login(accounts)
    with pytest.raises(Unauthenticated):
        await accounts.refresh(first)
    assert (await accounts.refresh(second)).refresh_token


async def test_lock_lifts_after_its_duration(accounts: AccountService, clock: Clock) -> None:
    await accounts.register("pat", "pat@example.com", PASSWORD)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await login(accounts, "Wrong-Passw0rd!")
    with pytest.raises(Unauthenticated):
        await login(accounts)
    clock.now += timedelta(minutes=15, seconds=1)
    assert await login(accounts)


async def test_expired_refresh_token_is_refused(accounts: AccountService, clock: Clock) -> None:
    await accounts.register("pat", "pat@example.com", PASSWORD)
    token = await login(accounts)
    clock.now += timedelta(days=31)
    with pytest.raises(Unauthenticated):
        await accounts.refresh(token)
