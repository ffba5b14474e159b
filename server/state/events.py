"""Publish/subscribe of small JSON events (training progress, notifications).

In memory for one process (the embedded default), or Redis pub/sub so that a
watcher on any replica sees events published by any replica or worker. Events
are for live views: a subscriber that falls behind loses the oldest events,
never blocks the publisher; the durable state is in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import redis.exceptions
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

Event = dict[str, Any]
QUEUE_SIZE = 256
SUBSCRIBE_TIMEOUT_SECONDS = 10.0


class EventBus(Protocol):
    async def publish(self, channel: str, event: Event) -> None: ...

    def subscribe(self, channel: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Events published on ``channel`` from the moment the context is entered."""
        ...


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():
        queue.get_nowait()  # drop the oldest rather than block the publisher
    queue.put_nowait(event)


async def _drain(queue: asyncio.Queue[Event]) -> AsyncIterator[Event]:
    while True:
        yield await queue.get()


async def _confirmed(pubsub: PubSub) -> None:
    """Wait until Redis has confirmed the subscription: everything published after it is
    delivered, so a subscriber that was told it is subscribed (WatchEvents' first heartbeat)
    misses nothing from then on."""
    try:
        async with asyncio.timeout(SUBSCRIBE_TIMEOUT_SECONDS):
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is not None and message["type"] == "subscribe":
                    return
    except TimeoutError:
        raise redis.exceptions.TimeoutError("Redis did not confirm a subscription") from None


class MemoryEventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = {}

    async def publish(self, channel: str, event: Event) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            _offer(queue, event)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(channel, set()).add(queue)
        try:
            yield _drain(queue)
        finally:
            subscribers = self._subscribers.get(channel, set())
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(channel, None)


class RedisEventBus:
    def __init__(self, redis: Redis, prefix: str = "quantis:events:"):
        self._redis = redis
        self._prefix = prefix

    async def publish(self, channel: str, event: Event) -> None:
        await self._redis.publish(self._prefix + channel, json.dumps(event))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Event]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._prefix + channel)
        await _confirmed(pubsub)
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    _offer(queue, json.loads(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield _drain(queue)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]
