"""Training requests at the edges: searches bounded by the data and robust to trials it cannot
train, and requests for more history than the dataset has refused up front, not a FAILED job."""

from __future__ import annotations

from pathlib import Path

import grpc
import pandas as pd
from quantis.v1 import common_pb2, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from tests.server.model.conftest import analyst, failure, lstm_request, watch
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

    # A model whose own lookback its dataset cannot feed: no request field is at fault.
    long_lookback = lstm_request(ana.dataset_id)
    long_lookback.hyperparameters["lookback"].int_value = 1024
    doomed = (await models.CreateModel(long_lookback, metadata=ana.metadata)).model
    error = await failure(
        models.TrainModel(pb.TrainModelRequest(model_id=doomed.model_id), metadata=ana.metadata)
    )
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SERIES_TOO_SHORT"), error
    assert "the dataset's longest has 144" in error.message
    jobs = await models.ListTrainingJobs(pb.ListTrainingJobsRequest(), metadata=ana.metadata)
    assert list(jobs.jobs) == []
