"""WatchEvents carries each state change of a job trained by a real Celery worker, in order."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from quantis.v1 import model_service_pb2_grpc, monitoring_service_pb2_grpc

from server.composition import Application
from server.settings import Settings
from tests.server.conftest import make_settings
from tests.server.model.workers import celery_worker_process
from tests.server.monitoring.test_job_events import trained_in_order


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, redis_url: str) -> Settings:
    return make_settings(
        tmp_path, postgres_url, redis_url, job_broker=redis_url, events_heartbeat_seconds=0.3
    )


@pytest.fixture
def celery_worker(settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with celery_worker_process(settings, tmp_path) as worker:
        yield worker


async def test_watch_events_carries_a_celery_jobs_states_once_in_order(
    celery_worker: subprocess.Popen[bytes], channel: grpc.aio.Channel, application: Application
) -> None:
    monitoring = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    await trained_in_order(monitoring, models, application)
    assert celery_worker.poll() is None
