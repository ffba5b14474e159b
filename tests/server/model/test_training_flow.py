"""The main flow over a real channel: create, train (watching progress), version, compare, deploy.

Runs on the embedded defaults (SQLite, local process pool, in-memory events) and on
PostgreSQL with Redis (the pool's workers publish progress to Redis directly).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

import pytest
from quantis.v1 import common_pb2, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.model.conftest import analyst, lstm_request, watch
from tests.server.prediction.conftest import held, loaded

SUCCEEDED = pb.TRAINING_JOB_STATE_SUCCEEDED


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


def local_path(uri: str) -> Path:
    return Path(urlparse(uri).path)


async def test_train_watch_compare_deploy(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    md = ana.metadata

    types = (await models.ListModelTypes(pb.ListModelTypesRequest(), metadata=md)).model_types
    assert [t.type for t in types] == [1, 2, 3, 4, 5]
    hidden = next(h for h in types[0].hyperparameters if h.name == "hidden_size")
    assert hidden.kind == pb.HYPERPARAMETER_KIND_INT and hidden.min_value.int_value == 4

    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=md)).model
    assert list(model.quantiles) == [0.1, 0.5, 0.9]
    assert model.frequency == common_pb2.FREQUENCY_MONTHLY and model.target_column == "value"
    assert model.hyperparameters["hidden_size"].int_value == 8
    assert model.hyperparameters["learning_rate"].double_value == pytest.approx(3e-3)
    assert model.latest_version == 0 and not model.default_version_id

    job = (await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id, seed=7), metadata=md)).job
    assert job.state == pb.TRAINING_JOB_STATE_QUEUED and job.seed == 7
    # Two watchers of one job see the same end.
    first, second = await asyncio.gather(watch(models, job.job_id, md), watch(models, job.job_id, md))
    for progress in (first, second):
        assert progress[-1].state == SUCCEEDED, progress[-1]
        assert all(p.job_id == job.job_id for p in progress)
    epochs = [p for p in first if p.epoch >= 1]
    assert epochs, first
    assert epochs[0].total_epochs == 3 and epochs[0].train_loss > 0 and epochs[0].validation_loss > 0
    assert first[-1].validation_metrics.mae > 0

    done = (await models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job.job_id), metadata=md)).job
    assert done.state == SUCCEEDED and done.version_id and done.worker and done.HasField("end_time")
    version = (
        await models.GetModelVersion(pb.GetModelVersionRequest(version_id=done.version_id), metadata=md)
    ).version
    assert version.version == 1 and version.state == pb.MODEL_VERSION_STATE_READY
    assert version.validation_metrics.points == 12 and version.validation_metrics.mase > 0
    assert version.parameter_count > 0 and version.training_duration.ToTimedelta().total_seconds() > 0
    assert version.validation_data_range.start_time.ToDatetime().year == 1960
    assert (local_path(version.artifact_uri) / "config.json").is_file()
    assert local_path(version.mar_uri).is_file() and version.mar_uri.endswith(".mar")
    assert version.deployed and version.traffic_percent == 100  # the first READY version deploys itself
    model = (await models.GetModel(pb.GetModelRequest(model_id=model.model_id), metadata=md)).model
    assert model.default_version_id == version.version_id and model.latest_version == 1
    assert [(s.version_id, s.percent) for s in model.deployment.splits] == [(version.version_id, 100)]
    assert model.deployment.updated_by == ""
    # Its job's end was announced: the server loaded the deployed version before any request.
    assert held(await loaded(application, 1)) == 1

    # A second version with other hyperparameters, and a TFT on the same data.
    wider = {"hidden_size": pb.HyperparameterValue(int_value=16)}
    job2 = (
        await models.TrainModel(
            pb.TrainModelRequest(model_id=model.model_id, hyperparameter_overrides=wider), metadata=md
        )
    ).job
    assert job2.hyperparameters["hidden_size"].int_value == 16
    tft_request = lstm_request(ana.dataset_id, name="airline tft", type=common_pb2.MODEL_TYPE_TFT)
    tft_request.hyperparameters["attention_heads"].int_value = 2
    tft = (await models.CreateModel(tft_request, metadata=md)).model
    job3 = (await models.TrainModel(pb.TrainModelRequest(model_id=tft.model_id), metadata=md)).job
    for watched in (job2, job3):
        assert (await watch(models, watched.job_id, md))[-1].state == SUCCEEDED
    versions = (
        await models.ListModelVersions(pb.ListModelVersionsRequest(model_id=model.model_id), metadata=md)
    ).versions
    assert [v.version for v in versions] == [2, 1]
    assert [v.deployed for v in versions] == [False, True]
    v1, v2 = versions[1].version_id, versions[0].version_id

    comparison = await models.CompareModels(
        pb.CompareModelsRequest(version_ids=[v1, v2], model_ids=[tft.model_id]), metadata=md
    )
    assert comparison.rank_by == pb.COMPARISON_METRIC_MASE
    assert comparison.window.horizon == 12 and comparison.window.points == 12
    assert comparison.window.series_count == 1
    assert len(comparison.rows) == 3 and comparison.rows[0].rank == 1
    assert [r.metrics.mase for r in comparison.rows] == sorted(r.metrics.mase for r in comparison.rows)
    assert {b.metric for b in comparison.best_by_metric} == {1, 2, 3, 4, 5}
    assert {r.type for r in comparison.rows} == {common_pb2.MODEL_TYPE_LSTM, common_pb2.MODEL_TYPE_TFT}

    lstm_rows = [r for r in comparison.rows if r.model_id == model.model_id]
    better = lstm_rows[0].version_id
    other = lstm_rows[1].version_id
    deployed = (
        await models.DeployModelVersion(
            pb.DeployModelVersionRequest(model_id=model.model_id, version_id=better), metadata=md
        )
    ).deployment
    assert [(s.version_id, s.percent) for s in deployed.splits] == [(better, 100)]
    assert deployed.updated_by == ana.user_id
    canary = (
        await models.DeployModelVersion(
            pb.DeployModelVersionRequest(
                model_id=model.model_id,
                splits=[
                    pb.TrafficSplit(version_id=better, percent=90),
                    pb.TrafficSplit(version_id=other, percent=10),
                ],
            ),
            metadata=md,
        )
    ).deployment
    assert [(s.version_id, s.percent) for s in canary.splits] == [(better, 90), (other, 10)]
    model = (await models.GetModel(pb.GetModelRequest(model_id=model.model_id), metadata=md)).model
    assert model.default_version_id == better and model.latest_version == 2

    jobs = (
        await models.ListTrainingJobs(pb.ListTrainingJobsRequest(model_id=model.model_id), metadata=md)
    ).jobs
    assert [j.job_id for j in jobs] == [job2.job_id, job.job_id]
    listed = (await models.ListModels(pb.ListModelsRequest(filter='name:"tft"'), metadata=md)).models
    assert [m.model_id for m in listed] == [tft.model_id]

    await models.DeleteModel(pb.DeleteModelRequest(model_id=model.model_id), metadata=md)
    assert not local_path(version.artifact_uri).exists()
