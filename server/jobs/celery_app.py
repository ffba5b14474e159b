"""Celery workers for training jobs: ``quantis worker`` runs them, the server sends job ids.

A worker reads its settings (database, object store, Redis) from the same QUANTIS_*
variables as the server, and runs the same worker function as the local pool.
"""

from __future__ import annotations

from typing import Any

from celery import Celery  # type: ignore[import-untyped]

TASK_NAME = "quantis.train"


def create_celery(broker: str, queue: str) -> Celery:
    """The Celery app; ``queue`` (derived from the Redis key prefix) keeps deployments apart."""
    app = Celery("quantis", broker=broker)
    app.conf.update(
        task_default_queue=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=False,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name=TASK_NAME, bind=True)  # type: ignore[untyped-decorator]
    def train(task: Any, job_id: str) -> str:
        from server.jobs.training import run_training_job
        from server.jobs.worker_config import worker_config
        from server.settings import Settings

        hostname = str(getattr(task.request, "hostname", "") or "")
        return run_training_job(job_id, worker_config(Settings()), None, worker=hostname)

    return app


def run_worker(broker: str, queue: str, concurrency: int) -> None:
    """Serve training jobs until stopped (the ``quantis worker`` command)."""
    app = create_celery(broker, queue)
    app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork"])
