"""How a worker process publishes progress events: a relay queue to its server, Redis, or nowhere.

A worker cannot reach the server's in-memory event bus. In the local pool it puts
events on a multiprocessing (Manager) queue that the server relays to its bus;
with Redis configured it publishes on the channel RedisEventBus subscribes to.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Protocol

log = logging.getLogger("server.jobs")


def channel(job_id: str) -> str:
    return f"training_job:{job_id}"


class Publisher(Protocol):
    def publish(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class NullPublisher:
    def publish(self, event: dict[str, Any]) -> None:
        del event

    def close(self) -> None:
        pass


class QueuePublisher:
    """Puts events on a queue shared with the server (a multiprocessing Manager queue)."""

    def __init__(self, queue: Any):
        self._queue = queue

    def publish(self, event: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(event)
        except Exception:  # a gone relay must not stop training: the database has the progress
            log.warning("could not relay a progress event", exc_info=True)

    def close(self) -> None:
        pass


class RedisPublisher:
    """Publishes on ``<prefix>training_job:<id>``, where RedisEventBus subscribers listen."""

    def __init__(self, url: str, prefix: str):
        from redis import Redis

        self._redis = Redis.from_url(url)
        self._prefix = prefix

    def publish(self, event: dict[str, Any]) -> None:
        try:
            self._redis.publish(self._prefix + channel(str(event["job_id"])), json.dumps(event))
        except Exception:
            log.warning("could not publish a progress event", exc_info=True)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._redis.close()
