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

from server.domain.monitoring.notifications import user_channel

log = logging.getLogger("server.jobs")


def channel(job_id: str) -> str:
    return f"training_job:{job_id}"


DEPLOYMENTS = "deployments"
"""Where a change to what a model serves is announced, as {"model_id": ...}: a deployment, a
training job's new version (its model's first deploys itself), and the model's deletion. Every
serving process reads the model's routing again and loads the versions it then serves
(server.domain.prediction.runtime)."""


def deliveries(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Where an event goes: the job's channel, with every progress snapshot; a state change
    (records.state_change: queued, running, or a final state) also to its owner's live stream
    (WatchEvents) as a training-job event, followed by the stored notification a final one
    carries; and a final event that made a version to DEPLOYMENTS. Progress stays off the live
    stream, which is WatchTrainingJob's."""
    notification = event.get("notification")
    progress = {
        k: v for k, v in event.items() if k not in ("notification", "owner_id", "model_id", "version_id")
    }
    routed = [(channel(str(event["job_id"])), progress)]
    if event.get("owner_id"):
        user = user_channel(str(event["owner_id"]))
        change = {
            "type": "training_job",
            "job_id": event["job_id"],
            "model_id": event.get("model_id", ""),
            "state": event.get("state", ""),
            "message": event.get("message", ""),
            "version_id": event.get("version_id", ""),
        }
        routed.append((user, change))
        if notification is not None:
            routed.append((user, notification))
        if event.get("version_id"):
            routed.append((DEPLOYMENTS, {"model_id": event.get("model_id", "")}))
    return routed


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
    """Publishes where RedisEventBus subscribers listen (``<prefix>`` + each delivery's channel)."""

    def __init__(self, url: str, prefix: str):
        from redis import Redis

        self._redis = Redis.from_url(url)
        self._prefix = prefix

    def publish(self, event: dict[str, Any]) -> None:
        try:
            for name, payload in deliveries(event):
                self._redis.publish(self._prefix + name, json.dumps(payload))
        except Exception:
            log.warning("could not publish a progress event", exc_info=True)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._redis.close()
