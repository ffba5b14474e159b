"""Token-bucket rate limits per principal and method class.

A bucket holds at most ``burst`` tokens and refills at ``rate`` tokens a second;
each call takes one. ``acquire`` returns None when the call may go ahead, or how
many seconds to wait before a token is available.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second
    burst: int  # bucket size

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f"rate must be positive, not {self.rate}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, not {self.burst}")

    @property
    def refill_seconds(self) -> float:
        """How long an empty bucket takes to fill up again."""
        return self.burst / self.rate


class RateLimiter(Protocol):
    async def acquire(self, key: str, limit: Limit) -> float | None: ...


class MemoryRateLimiter:
    """One process's buckets. Buckets that have refilled completely are forgotten
    (a full bucket and no bucket are the same), so memory follows active callers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sweep_every: int = 1024) -> None:
        self._clock = clock
        self._sweep_every = sweep_every
        self._since_sweep = 0
        # key -> (tokens, last update, time at which the bucket is full again)
        self._buckets: dict[str, tuple[float, float, float]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    async def acquire(self, key: str, limit: Limit) -> float | None:
        now = self._clock()
        self._maybe_sweep(now)
        tokens, last, _ = self._buckets.get(key, (float(limit.burst), now, now))
        tokens = min(float(limit.burst), tokens + max(0.0, now - last) * limit.rate)
        wait: float | None = None
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / limit.rate
        self._buckets[key] = (tokens, now, now + (limit.burst - tokens) / limit.rate)
        return wait

    def _maybe_sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < self._sweep_every:
            return
        self._since_sweep = 0
        self._buckets = {key: bucket for key, bucket in self._buckets.items() if bucket[2] > now}


# Atomic refill-and-take in Redis: KEYS[1] the bucket; ARGV rate, burst.
# The clock is Redis' own (TIME inside the script, allowed since scripts are
# replicated by their effects), so replicas' clocks need not agree and calls
# are ordered by the time they reach Redis. A bucket expires once it would be
# full again, so idle callers cost no memory.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens, last = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'last', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return string.format('%.17g', wait)
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every replica."""

    def __init__(self, redis: Redis, prefix: str = "quantis:rate:"):
        self._redis = redis
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)

    async def acquire(self, key: str, limit: Limit) -> float | None:
        wait = float(await self._take(keys=[self._prefix + key], args=[repr(limit.rate), limit.burst]))
        return wait if wait > 0 else None
