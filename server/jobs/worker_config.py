"""The WorkerConfig a server or a Celery worker derives from Settings."""

from __future__ import annotations

from server.jobs.training import WorkerConfig
from server.settings import Settings


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        database_url=settings.resolved_database_url,
        store_dir=str(settings.object_store_dir.resolve()),
        redis_url=settings.redis_url,
        events_prefix=settings.redis_key_prefix + "events:",
        heartbeat_seconds=settings.training_heartbeat_seconds,
        threads=settings.training_threads,
    )


def queue_name(key_prefix: str) -> str:
    """The Celery queue of this deployment's training jobs."""
    return f"{key_prefix}training"
