"""Revoked access-token ids, remembered until the tokens would have expired anyway."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

MIN_TTL_SECONDS = 1.0


class RevocationStore(Protocol):
    async def revoke(self, token_id: str, ttl_seconds: float) -> None: ...

    async def is_revoked(self, token_id: str) -> bool: ...

    async def claim(self, token_id: str, ttl_seconds: float) -> bool:
        """Revoke ``token_id`` if it is not already; True for the one caller that did (single use)."""
        ...


class MemoryRevocationStore:
    """One process's revocations; expired entries are swept once the store has
    doubled in size since the last sweep, so revoking stays O(1) amortised."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._sweep_at = 1024

    def __len__(self) -> int:
        return len(self._until)

    async def revoke(self, token_id: str, ttl_seconds: float) -> None:
        now = self._clock()
        until = now + max(ttl_seconds, MIN_TTL_SECONDS)
        self._until[token_id] = max(until, self._until.get(token_id, until))
        if len(self._until) >= self._sweep_at:
            self._until = {k: v for k, v in self._until.items() if v > now}
            self._sweep_at = max(1024, 2 * len(self._until))

    async def is_revoked(self, token_id: str) -> bool:
        return self._until.get(token_id, 0.0) > self._clock()

    async def claim(self, token_id: str, ttl_seconds: float) -> bool:
        # No await between the check and the revoke: atomic on the event loop.
        if self._until.get(token_id, 0.0) > self._clock():
            return False
        await self.revoke(token_id, ttl_seconds)
        return True


# Revoking again with a shorter lifetime must never shorten a revocation.
_REVOKE = """
local ttl = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('SET', KEYS[1], '1', 'PX', ttl) end
"""


class RedisRevocationStore:
    """Revocations in Redis, seen by every replica; each key expires with its token."""

    def __init__(self, redis: Redis, prefix: str = "quantis:revoked:"):
        self._redis = redis
        self._prefix = prefix
        self._revoke = redis.register_script(_REVOKE)

    async def revoke(self, token_id: str, ttl_seconds: float) -> None:
        ttl_ms = max(int(ttl_seconds * 1000), int(MIN_TTL_SECONDS * 1000))
        await self._revoke(keys=[self._prefix + token_id], args=[ttl_ms])

    async def is_revoked(self, token_id: str) -> bool:
        return bool(await self._redis.exists(self._prefix + token_id))

    async def claim(self, token_id: str, ttl_seconds: float) -> bool:
        ttl_ms = max(int(ttl_seconds * 1000), int(MIN_TTL_SECONDS * 1000))
        return bool(await self._redis.set(self._prefix + token_id, b"1", px=ttl_ms, nx=True))
