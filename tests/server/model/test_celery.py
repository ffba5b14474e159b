"""Training on a real Celery worker (``quantis worker``) over Redis, with PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from quantis.v1 import model_service_pb2 as pb
from quantis.v1 import model_service_pb2_grpc

from server.composition import Application
from server.settings import Settings
from tests.server.conftest import make_settings
from tests.server.model.conftest import analyst, lstm_request, watch


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, redis_url: str) -> Settings:
    return make_settings(tmp_path, postgres_url, redis_url, job_broker=redis_url)


@pytest.fixture
def celery_worker(settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    environment = {
        **os.environ,
        "QUANTIS_ENVIRONMENT": settings.environment.value,
        "QUANTIS_DATA_DIR": str(settings.data_dir),
        "QUANTIS_DATABASE_URL": settings.database_url,
        "QUANTIS_REDIS_URL": settings.redis_url,
        "QUANTIS_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "QUANTIS_JOB_BROKER": settings.job_broker,
        "QUANTIS_JWT_SECRET": settings.jwt_secret,
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "server", "worker", "--concurrency", "1"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


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
