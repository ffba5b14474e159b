"""AccountService rules that need a clock or a policy the server's defaults do not show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from server.admin import account_policy
from server.auth.passwords import HashCost, Passwords
from server.auth.tokens import TokenCodec
from server.db.database import Database
from server.db.migrate import upgrade_to_head
from server.db.models import User
from server.domain.account_rules import AccountPolicy, ClientInfo, MfaChallenge
from server.domain.accounts import AccountService
from server.errors import Unauthenticated
from server.settings import Settings
from server.state.revocation import MemoryRevocationStore

PASSWORD = "Sturdy-Passw0rd!"
CHEAP = HashCost(time_cost=1, memory_kib=8, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path}/accounts.db"
    upgrade_to_head(url)
    return Database.connect(url)


def account_service(database: Database, policy: AccountPolicy, clock: Clock) -> AccountService:
    return AccountService(
        database, TokenCodec("k" * 32, timedelta(minutes=15)), MemoryRevocationStore(), policy, clock
    )


@pytest.fixture
def accounts(database: Database, clock: Clock) -> AccountService:
    policy = AccountPolicy(
        max_sessions=2, lockout_failures=3, lockout_duration=timedelta(minutes=15), password_hashing=CHEAP
    )
    return account_service(database, policy, clock)


def stored_hash(database: Database) -> str:
    query = sa.select(User.password_hash).where(User.username == "pat")
    return str(database.run_sync(lambda session: session.scalar(query)))


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


def test_passwords_are_hashed_at_rfc_9106s_second_option_by_default() -> None:
    cost = account_policy(Settings()).password_hashing
    assert cost == HashCost(time_cost=3, memory_kib=65536, parallelism=4)
    assert Passwords(cost).hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_cost_of_less_than_8_kib_per_lane_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="QUANTIS_PASSWORD_HASH_MEMORY_KIB"):
        Settings(password_hash_memory_kib=16, password_hash_parallelism=4)
    assert Settings(password_hash_memory_kib=32, password_hash_parallelism=4).password_hash_memory_kib == 32


async def test_a_password_hashed_at_another_cost_is_hashed_again_at_login(
    database: Database, clock: Clock
) -> None:
    """Raising (or lowering) the cost keeps every account usable, and each stored hash moves to the
    new cost at its user's next login."""
    before = account_service(database, AccountPolicy(password_hashing=CHEAP), clock)
    await before.register("pat", "pat@example.com", PASSWORD)
    assert stored_hash(database).startswith("$argon2id$v=19$m=8,t=1,p=1$")

    raised = HashCost(time_cost=2, memory_kib=64, parallelism=2)
    after = account_service(database, AccountPolicy(password_hashing=raised), clock)
    with pytest.raises(Unauthenticated):
        await login(after, "Wrong-Passw0rd!")
    assert stored_hash(database).startswith("$argon2id$v=19$m=8,t=1,p=1$")  # a wrong password changes nothing
    assert await login(after)
    assert stored_hash(database).startswith("$argon2id$v=19$m=64,t=2,p=2$")
    assert await login(after) and await login(before)  # either cost verifies either hash
