"""The event bus, in memory and over Redis pub/sub."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.state.events import QUEUE_SIZE, EventBus, MemoryEventBus, RedisEventBus


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "memory":
        yield MemoryEventBus()
        return
    client = Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisEventBus(client, f"quantis-test:{uuid.uuid4().hex[:8]}:events:")
    finally:
        await client.aclose()


async def next_event(events: AsyncIterator[dict[str, object]]) -> dict[str, object]:
    return await asyncio.wait_for(anext(events), timeout=5)


async def test_every_subscriber_of_a_channel_gets_each_event(bus: EventBus) -> None:
    async with (
        bus.subscribe("job:1") as first,
        bus.subscribe("job:1") as second,
        bus.subscribe("job:2") as other,
    ):
        await bus.publish("job:1", {"epoch": 1})
        await bus.publish("job:2", {"epoch": 9})
        assert await next_event(first) == {"epoch": 1}
        assert await next_event(second) == {"epoch": 1}
        assert await next_event(other) == {"epoch": 9}


async def test_a_slow_subscriber_loses_the_oldest_not_the_newest() -> None:
    bus = MemoryEventBus()
    async with bus.subscribe("job:1") as events:
        for epoch in range(QUEUE_SIZE + 10):
            await bus.publish("job:1", {"epoch": epoch})
        assert await next_event(events) == {"epoch": 10}


async def test_redis_events_cross_connections(redis_url: str) -> None:
    prefix = f"quantis-test:{uuid.uuid4().hex[:8]}:events:"
    publisher_client, subscriber_client = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        async with RedisEventBus(subscriber_client, prefix).subscribe("job:7") as events:
            await RedisEventBus(publisher_client, prefix).publish("job:7", {"state": "running"})
            assert await next_event(events) == {"state": "running"}
    finally:
        await publisher_client.aclose()
        await subscriber_client.aclose()
