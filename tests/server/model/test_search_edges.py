"""Training requests at the edges: searches bounded by the data and robust to trials it cannot
train, and requests for more history than the dataset has refused up front, not a FAILED job."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import pandas as pd
from quantis.v1 import common_pb2, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from server.db.enums import Frequency
from tests.server.model.conftest import analyst, failure, lstm_request, wait_for, watch
from tests.server.model.datasets import store_dataset

INVALID = grpc.StatusCode.INVALID_ARGUMENT
SUCCEEDED = pb.TRAINING_JOB_STATE_SUCCEEDED
V = pb.HyperparameterValue


def statistical(dataset_id: str, model_type: int) -> pb.CreateModelRequest:
    request = lstm_request(dataset_id, type=model_type)
    request.ClearField("hyperparameters")  # the LSTM's
    return request


async def searched_version(
    models: model_service_pb2_grpc.ModelServiceStub, metadata: object, train: pb.TrainModelRequest
) -> pb.ModelVersion:
    """Train with ``train`` (a search) to the end; the version it made (the job must succeed)."""
    job = (await models.TrainModel(train, metadata=metadata)).job
    progress = await watch(models, job.job_id, metadata, limit=240)
    assert progress[-1].state == SUCCEEDED, progress[-1]
    done = (await models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job.job_id), metadata=metadata)).job
    request = pb.GetModelVersionRequest(version_id=done.version_id)
    return (await models.GetModelVersion(request, metadata=metadata)).version


async def test_searches_stay_within_what_the_data_can_use(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    """A lookback search sampled up to 2048 on 144 monthly points: a trial with no training
    window failed the whole job. A season search sampled seasons of thousands of months."""
    ana = await analyst(application)
    lstm = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    search = pb.HyperparameterSearch(n_trials=3, parameters=["lookback"])
    train = pb.TrainModelRequest(model_id=lstm.model_id, seed=1, search=search)
    version = await searched_version(models, ana.metadata, train)
    # 144 points, less the validation horizon and the trial's own: at most 120 to look back on.
    assert 0 <= version.hyperparameters["lookback"].int_value <= 120

    naive = statistical(ana.dataset_id, common_pb2.MODEL_TYPE_SEASONAL_NAIVE)
    model = (await models.CreateModel(naive, metadata=ana.metadata)).model
    search = pb.HyperparameterSearch(n_trials=8, parameters=["season_length"])
    train = pb.TrainModelRequest(model_id=model.model_id, seed=3, search=search)
    version = await searched_version(models, ana.metadata, train)
    assert 0 <= version.hyperparameters["season_length"].int_value <= 60  # half of 120


async def test_a_search_can_choose_a_switch(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    """The seasonal anchor, an on/off setting, is searched like any other and the version
    records the choice as a bool."""
    ana = await analyst(application)
    lstm = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    search = pb.HyperparameterSearch(n_trials=2, parameters=["anchor_season"])
    train = pb.TrainModelRequest(model_id=lstm.model_id, seed=1, search=search)
    version = await searched_version(models, ana.metadata, train)
    assert version.hyperparameters["anchor_season"].WhichOneof("value") == "bool_value"


async def test_a_search_of_the_seasonal_anchor_on_yearly_data_is_refused(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application, tmp_path: Path
) -> None:
    ana = await analyst(application)
    stamps = pd.date_range("1970-01-01", periods=40, freq="YS")
    pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": range(40)}).to_csv(
        tmp_path / "yearly.csv", index=False
    )
    yearly = await store_dataset(application, ana.user_id, tmp_path / "yearly.csv", Frequency.YEARLY)
    model = (await models.CreateModel(lstm_request(yearly, horizon=6), metadata=ana.metadata)).model
    search = pb.HyperparameterSearch(n_trials=2, parameters=["hidden_size", "anchor_season"])
    train = pb.TrainModelRequest(model_id=model.model_id, search=search)
    error = await failure(models.TrainModel(train, metadata=ana.metadata))
    assert (error.code, error.fields) == (INVALID, ["search.parameters[1]"]), error
    assert "no season to anchor on in yearly data" in error.message, error


async def test_a_search_on_constant_series_succeeds(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application, tmp_path: Path
) -> None:
    """Constant series give MASE no scale: every trial failed, and the job with it, saying only
    "No trials are completed yet." although a plain training of the same model succeeds."""
    ana = await analyst(application)
    stamps = pd.date_range("2000-01-01", periods=60, freq="MS")
    frame = pd.DataFrame(
        {
            "series_id": ["a"] * 60 + ["b"] * 60,
            "timestamp": [*stamps, *stamps],
            "value": [5.0] * 60 + [7.0] * 60,
        }
    )
    frame.to_csv(tmp_path / "constant.csv", index=False)
    dataset_id = await store_dataset(application, ana.user_id, tmp_path / "constant.csv")
    model = (
        await models.CreateModel(
            statistical(dataset_id, common_pb2.MODEL_TYPE_AUTO_ETS), metadata=ana.metadata
        )
    ).model
    train = pb.TrainModelRequest(model_id=model.model_id, search=pb.HyperparameterSearch(n_trials=3))
    version = await searched_version(models, ana.metadata, train)
    assert version.validation_metrics.mae == 0.0


async def test_training_that_needs_more_history_than_the_dataset_has_is_refused(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    """These were accepted and their jobs FAILED: "no training window: series need at least 33
    points" for series of 144 (the validation windows took the rest), or a search of nothing."""
    ana = await analyst(application)
    lstm = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    naive = statistical(ana.dataset_id, common_pb2.MODEL_TYPE_SEASONAL_NAIVE)
    naive_id = (await models.CreateModel(naive, metadata=ana.metadata)).model.model_id
    cases = {
        "validation_windows": pb.TrainModelRequest(model_id=lstm.model_id, validation_windows=10),
        "hyperparameter_overrides[lookback]": pb.TrainModelRequest(
            model_id=lstm.model_id, hyperparameter_overrides={"lookback": V(int_value=2048)}
        ),
        "search": pb.TrainModelRequest(
            model_id=lstm.model_id,
            validation_windows=9,  # 9 x 12 + 9 + 24 = 141 points; a search's trials need 12 more
            search=pb.HyperparameterSearch(parameters=["hidden_size"]),
        ),
        "search.parameters": pb.TrainModelRequest(
            model_id=naive_id,
            hyperparameter_overrides={"season_length": V(int_value=12)},
            search=pb.HyperparameterSearch(n_trials=3),
        ),
        "search.parameters[1]": pb.TrainModelRequest(
            model_id=naive_id, search=pb.HyperparameterSearch(parameters=["season_length"] * 2)
        ),
    }
    for field, request in cases.items():
        error = await failure(models.TrainModel(request, metadata=ana.metadata))
        assert (error.code, error.fields) == (INVALID, [field]), (field, error)
        if not field.startswith("search.parameters"):
            assert "the dataset's longest has 144" in error.message, error

    jobs = await models.ListTrainingJobs(pb.ListTrainingJobsRequest(), metadata=ana.metadata)
    assert list(jobs.jobs) == []


async def test_a_model_whose_lookback_its_dataset_cannot_feed_is_not_created(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application, tmp_path: Path
) -> None:
    """CreateModel accepted a lookback of 1024 on series of 144 points, a model no TrainModel
    would ever train (SERIES_TOO_SHORT). Both apply one rule: a quarter lookback and three
    horizons, 432 // 4 + 36 = 144 points at most."""
    ana = await analyst(application)
    for lookback, needed in ((1024, 292), (436, 145)):
        request = lstm_request(ana.dataset_id)
        request.hyperparameters["lookback"].int_value = lookback
        error = await failure(models.CreateModel(request, metadata=ana.metadata))
        assert (error.code, error.fields) == (INVALID, ["hyperparameters[lookback]"]), error
        assert f"at least {needed} points" in error.message and "longest has 144" in error.message, error
    request = lstm_request(ana.dataset_id)
    request.hyperparameters["lookback"].int_value = 432
    fits = (await models.CreateModel(request, metadata=ana.metadata)).model
    job = (await models.TrainModel(pb.TrainModelRequest(model_id=fits.model_id), metadata=ana.metadata)).job
    await models.CancelTrainingJob(pb.CancelTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata)

    # The automatic lookback (36 months, so 45 points) on 40 follows the horizon: it is named.
    stamps = pd.date_range("2000-01-01", periods=40, freq="MS")
    pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": range(40)}).to_csv(
        tmp_path / "short.csv", index=False
    )
    short = await store_dataset(application, ana.user_id, tmp_path / "short.csv")
    error = await failure(models.CreateModel(lstm_request(short), metadata=ana.metadata))
    assert (error.code, error.fields) == (INVALID, ["horizon"]), error
    assert "automatic lookback" in error.message, error
    assert "at least 45 points" in error.message and "the dataset's longest has 40" in error.message
    shorter = lstm_request(short)
    shorter.horizon = 6  # the same lookback of three seasons: 36 // 4 + 2 x 6 = 21 points
    await models.CreateModel(shorter, metadata=ana.metadata)


async def test_a_cancelled_search_stops_within_its_trial(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    """CancelTrainingJob in the middle of a search trial: the job is CANCELLED at once, and the
    worker stops at the trial's next step, not after the trial (five networks of at least 200
    epochs of 4 windows a step: over 30 s), so the next job starts within seconds (a
    fresh worker process on a loaded 2-core machine took 7 s); no version, no file."""
    ana = await analyst(application)
    slow = {"patience": V(int_value=200), "batch_size": V(int_value=4), "ensemble_size": V(int_value=5)}
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    search = pb.HyperparameterSearch(n_trials=20, parameters=["hidden_size"])
    train = pb.TrainModelRequest(
        model_id=model.model_id, max_epochs=1000, hyperparameter_overrides=slow, search=search
    )
    job = (await models.TrainModel(train, metadata=ana.metadata)).job
    await wait_for(models, job.job_id, ana.metadata, lambda j: j.progress.total_trials == 20)
    await asyncio.sleep(1.0)  # in the first trial's epochs
    cancel = pb.CancelTrainingJobRequest(job_id=job.job_id)
    cancelled = (await models.CancelTrainingJob(cancel, metadata=ana.metadata)).job
    assert cancelled.state == pb.TRAINING_JOB_STATE_CANCELLED, cancelled
    asked = time.monotonic()

    other = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    quick = (
        await models.TrainModel(pb.TrainModelRequest(model_id=other.model_id), metadata=ana.metadata)
    ).job
    await wait_for(models, quick.job_id, ana.metadata, lambda j: j.state != pb.TRAINING_JOB_STATE_QUEUED)
    assert time.monotonic() - asked < 20.0, "the worker finished the trial before it stopped"
    assert (await watch(models, quick.job_id, ana.metadata))[-1].state == SUCCEEDED

    assert [p.state for p in await watch(models, job.job_id, ana.metadata)] == [cancelled.state]
    listed = await models.ListModelVersions(
        pb.ListModelVersionsRequest(model_id=model.model_id), metadata=ana.metadata
    )
    assert list(listed.versions) == []
    assert not (application.settings.object_store_dir / "models" / model.model_id).exists()
