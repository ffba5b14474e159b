"""An analyst's day over a real channel: upload a real CSV, read its stats, train an LSTM
and a TFT while watching progress, compare the two versions and deploy the better one.

Runs on the embedded defaults with the local process pool, and on PostgreSQL with Redis
and a real Celery worker (``quantis worker``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from quantis.v1 import common_pb2, dataset_service_pb2, dataset_service_pb2_grpc, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

import training.datasets
from server.auth.permissions import Role
from server.composition import Application
from server.settings import Settings
from tests.server.auth_helpers import user_token
from tests.server.conftest import make_settings
from tests.server.dataset.conftest import csv_metadata, upload
from tests.server.model.conftest import TINY_LSTM, watch
from tests.server.model.workers import celery_worker_process

AIRPASSENGERS = Path(training.datasets.__file__).resolve().parent / "demo_airpassengers_monthly.csv"
TINY_TFT = {**TINY_LSTM, "attention_heads": pb.HyperparameterValue(int_value=2)}


@pytest.fixture(params=["local pool", "celery"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "local pool":
        return make_settings(tmp_path)
    redis_url = request.getfixturevalue("redis_url")
    return make_settings(tmp_path, request.getfixturevalue("postgres_url"), redis_url, job_broker=redis_url)


@pytest.fixture
def worker(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Iterator[object]:
    """A Celery worker process when the settings name a broker; nothing otherwise."""
    if not settings.job_broker:
        yield None
        return
    with celery_worker_process(settings, tmp_path) as worker:
        yield worker


async def train(
    models: model_service_pb2_grpc.ModelServiceStub,
    caller: tuple[tuple[str, str], ...],
    dataset_id: str,
    name: str,
    kind: int,
    hyperparameters: dict[str, pb.HyperparameterValue],
) -> tuple[pb.Model, list[pb.TrainingProgress]]:
    request = pb.CreateModelRequest(
        name=name,
        type=kind,
        dataset_id=dataset_id,
        horizon=12,
        quantiles=[0.1, 0.9],
        hyperparameters=hyperparameters,
    )
    model = (await models.CreateModel(request, metadata=caller)).model
    job = (await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=caller)).job
    return model, await watch(models, job.job_id, caller, limit=240)


@pytest.mark.slow
async def test_upload_stats_train_compare_deploy(
    worker: object, channel: grpc.aio.Channel, application: Application
) -> None:
    caller = (("authorization", f"Bearer {await user_token(application, 'journey', Role.ANALYST)}"),)
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    models = model_service_pb2_grpc.ModelServiceStub(channel)

    content = await asyncio.to_thread(AIRPASSENGERS.read_bytes)
    dataset = (await upload(datasets, content, caller, csv_metadata("airpassengers"))).dataset
    assert (dataset.row_count, dataset.series_count, dataset.frequency) == (
        144,
        1,
        common_pb2.FREQUENCY_MONTHLY,
    )
    stats = (
        await datasets.GetDatasetStats(
            dataset_service_pb2.GetDatasetStatsRequest(dataset_id=dataset.dataset_id), metadata=caller
        )
    ).stats
    value = next(c for c in stats.columns if c.name == "value")
    assert (value.count, value.min, value.max) == (144, 104.0, 622.0)

    lstm, lstm_progress = await train(
        models, caller, dataset.dataset_id, "lstm", common_pb2.MODEL_TYPE_LSTM, TINY_LSTM
    )
    tft, tft_progress = await train(
        models, caller, dataset.dataset_id, "tft", common_pb2.MODEL_TYPE_TFT, TINY_TFT
    )
    for progress in (lstm_progress, tft_progress):
        assert any(p.epoch >= 1 and p.train_loss > 0 for p in progress), progress
        assert progress[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED

    versions = [
        (
            await models.ListModelVersions(pb.ListModelVersionsRequest(model_id=m.model_id), metadata=caller)
        ).versions[0]
        for m in (lstm, tft)
    ]
    compared = await models.CompareModels(
        pb.CompareModelsRequest(version_ids=[v.version_id for v in versions]), metadata=caller
    )
    best = next(row.version_id for row in compared.rows if row.rank == 1)
    scores = {row.version_id: row.metrics.mase for row in compared.rows}
    assert scores[best] == min(scores.values()) and all(s > 0 for s in scores.values())

    winner = next(m for m, v in zip((lstm, tft), versions, strict=True) if v.version_id == best)
    deployed = await models.DeployModelVersion(
        pb.DeployModelVersionRequest(model_id=winner.model_id, version_id=best), metadata=caller
    )
    assert [(s.version_id, s.percent) for s in deployed.deployment.splits] == [(best, 100)]
