"""Training on a real Celery worker (``quantis worker``) over Redis, with PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from quantis.v1 import model_service_pb2 as pb
from quantis.v1 import model_service_pb2_grpc

from server.composition import Application
from server.settings import Settings
from tests.server.conftest import make_settings
from tests.server.model.conftest import analyst, lstm_request, watch
from tests.server.model.workers import celery_worker_process


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, redis_url: str) -> Settings:
    return make_settings(tmp_path, postgres_url, redis_url, job_broker=redis_url)


@pytest.fixture
def celery_worker(settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with celery_worker_process(settings, tmp_path) as worker:
        yield worker


async def test_a_celery_worker_trains_and_streams_progress(
    celery_worker: subprocess.Popen[bytes],
    models: model_service_pb2_grpc.ModelServiceStub,
    application: Application,
    tmp_path: Path,
) -> None:
    ana = await analyst(application)
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    job = (await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)).job
    progress = await watch(models, job.job_id, ana.metadata, limit=90)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert progress[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED, (progress[-1], log[-3000:])
    assert any(p.epoch >= 1 and p.train_loss > 0 for p in progress)
    done = (
        await models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata)
    ).job
    assert done.worker.startswith("celery@") and done.version_id
    assert celery_worker.poll() is None
    await asyncio.sleep(0)
