"""Token buckets in memory and in Redis: burst, refill, independence, atomicity, expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.state.rate_limit import Limit, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.server.state.conftest import FakeClock

SLOW = Limit(rate=0.01, burst=3)  # nothing refills while a test runs


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest, prefix: str) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    request.applymarker(pytest.mark.redis)
    client = Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisRateLimiter(client, prefix=prefix)
    finally:
        await client.aclose()


async def test_a_full_bucket_allows_its_burst_then_says_how_long_to_wait(limiter: RateLimiter) -> None:
    assert [await limiter.acquire("k", SLOW) for _ in range(SLOW.burst)] == [None] * SLOW.burst
    wait = await limiter.acquire("k", SLOW)
    assert wait is not None and 99 < wait <= 100  # one token at 0.01 a second


async def test_keys_have_separate_buckets(limiter: RateLimiter) -> None:
    for _ in range(SLOW.burst):
        await limiter.acquire("alice", SLOW)
    assert await limiter.acquire("alice", SLOW) is not None
    assert await limiter.acquire("bob", SLOW) is None


async def test_concurrent_calls_never_take_more_than_the_burst(limiter: RateLimiter) -> None:
    limit = Limit(rate=0.001, burst=10)
    results = await asyncio.gather(*(limiter.acquire("crowd", limit) for _ in range(50)))
    assert results.count(None) == 10


async def test_the_bucket_refills_at_the_rate(limiter: RateLimiter) -> None:
    limit = Limit(rate=2, burst=1)
    assert await limiter.acquire("k", limit) is None
    wait = await limiter.acquire("k", limit)
    assert wait is not None and 0 < wait <= 0.5
    await asyncio.sleep(wait + 0.05)
    assert await limiter.acquire("k", limit) is None


async def test_memory_refill_is_exact_and_capped_at_the_burst(clock: FakeClock) -> None:
    limiter = MemoryRateLimiter(clock=clock)
    limit = Limit(rate=2, burst=2)
    assert [await limiter.acquire("k", limit) for _ in range(3)] == [None, None, 0.5]
    clock.advance(0.25)  # half a token
    assert await limiter.acquire("k", limit) == pytest.approx(0.25)
    clock.advance(0.25)
    assert await limiter.acquire("k", limit) is None
    clock.advance(3600)  # a long pause earns no more than the burst
    assert [await limiter.acquire("k", limit) for _ in range(3)] == [None, None, 0.5]


async def test_memory_forgets_buckets_once_they_are_full_again(clock: FakeClock) -> None:
    limiter = MemoryRateLimiter(clock=clock, sweep_every=1)
    limit = Limit(rate=1, burst=2)
    for caller in range(100):
        await limiter.acquire(f"peer-{caller}", limit)
    assert len(limiter) == 100
    clock.advance(0.5)  # each took one token of two and has earned back half: not yet full
    await limiter.acquire("peer-0", limit)
    assert len(limiter) == 100
    clock.advance(0.75)
    await limiter.acquire("another", limit)
    assert len(limiter) == 2  # peer-0, which took a token again, and the newcomer


async def test_redis_buckets_live_under_the_prefix_and_expire_once_full(redis: Redis, prefix: str) -> None:
    limiter = RedisRateLimiter(redis, prefix=prefix)
    limit = Limit(rate=1, burst=10)
    for _ in range(4):
        await limiter.acquire("user:u-1", limit)
    assert await redis.keys(prefix + "*") == [f"{prefix}user:u-1".encode()]
    ttl = await redis.pttl(prefix + "user:u-1")
    assert 4000 < ttl <= 5000  # refilled 4 tokens at 1 a second, plus a second to spare


async def test_redis_buckets_are_shared_by_replicas(redis: Redis, prefix: str) -> None:
    one, other = RedisRateLimiter(redis, prefix=prefix), RedisRateLimiter(redis, prefix=prefix)
    for _ in range(SLOW.burst):
        await one.acquire("k", SLOW)
    assert await other.acquire("k", SLOW) is not None


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_a_limit_needs_a_positive_rate_and_burst(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Limit(rate=rate, burst=burst)
