"""Revoked token ids in memory and in Redis: remembered for their lifetime, never for less."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.state.revocation import MemoryRevocationStore, RedisRevocationStore, RevocationStore
from tests.server.state.conftest import FakeClock


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, prefix: str) -> AsyncIterator[RevocationStore]:
    if request.param == "memory":
        yield MemoryRevocationStore()
        return
    request.applymarker(pytest.mark.redis)
    client = Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisRevocationStore(client, prefix=prefix)
    finally:
        await client.aclose()


async def test_a_revoked_id_is_revoked_and_no_other(store: RevocationStore) -> None:
    await store.revoke("jti-1", 900)
    assert await store.is_revoked("jti-1")
    assert not await store.is_revoked("jti-2")
    assert not await store.is_revoked("")


async def test_revoking_twice_is_harmless(store: RevocationStore) -> None:
    await store.revoke("jti-1", 900)
    await store.revoke("jti-1", 900)
    assert await store.is_revoked("jti-1")


async def test_memory_revocation_ends_with_the_tokens_lifetime(clock: FakeClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    await store.revoke("jti-1", 60)
    clock.advance(59)
    assert await store.is_revoked("jti-1")
    clock.advance(2)
    assert not await store.is_revoked("jti-1")


async def test_memory_revocation_is_never_shortened_and_lasts_at_least_a_second(clock: FakeClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    await store.revoke("session:s-1", 600)
    await store.revoke("session:s-1", 5)  # e.g. a token of that session that expires sooner
    clock.advance(300)
    assert await store.is_revoked("session:s-1")
    await store.revoke("expired", -30)  # an already-expired token
    clock.advance(0.5)
    assert await store.is_revoked("expired")


async def test_memory_store_sweeps_expired_ids(clock: FakeClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    for n in range(1000):
        await store.revoke(f"old-{n}", 10)
    clock.advance(11)
    for n in range(100):
        await store.revoke(f"new-{n}", 10)
    assert len(store) < 1100
    assert await store.is_revoked("new-99")
    assert not await store.is_revoked("old-0")


async def test_redis_revocation_expires_with_the_token(redis: Redis, prefix: str) -> None:
    store = RedisRevocationStore(redis, prefix=prefix)
    await store.revoke("jti-1", 60)
    assert 59_000 < await redis.pttl(prefix + "jti-1") <= 60_000
    await store.revoke("jti-1", 5)  # never shortened
    assert 59_000 < await redis.pttl(prefix + "jti-1") <= 60_000
    await store.revoke("jti-1", 120)  # but lengthened
    assert 119_000 < await redis.pttl(prefix + "jti-1") <= 120_000
    await store.revoke("expired", -30)
    assert 0 < await redis.pttl(prefix + "expired") <= 1000


async def test_redis_revocations_are_seen_by_every_replica(redis: Redis, prefix: str) -> None:
    await RedisRevocationStore(redis, prefix=prefix).revoke("jti-1", 60)
    assert await RedisRevocationStore(redis, prefix=prefix).is_revoked("jti-1")
    assert not await RedisRevocationStore(redis, prefix=prefix + "other:").is_revoked("jti-1")


async def test_only_one_concurrent_claim_wins(store: RevocationStore) -> None:
    results = await asyncio.gather(*(store.claim("challenge:1", 60) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert await store.is_revoked("challenge:1")
    assert await store.claim("challenge:2", 60)
