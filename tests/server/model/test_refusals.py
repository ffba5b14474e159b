"""Requests refused up front: text PostgreSQL cannot store, and a search over a fixed value."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import common_pb2, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.model.conftest import analyst, failure, lstm_request

INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


async def test_create_model_refuses_nul_naming_the_field(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    cases = {
        "name": lstm_request(ana.dataset_id, name="air\0line"),
        "description": lstm_request(ana.dataset_id, description="monthly\0"),
        "labels[team]": lstm_request(ana.dataset_id),
    }
    cases["labels[team]"].labels["team"] = "fore\0cast"
    for field, request in cases.items():
        error = await failure(models.CreateModel(request, metadata=ana.metadata))
        assert (error.code, error.fields, error.reason) == (INVALID, [field], "INVALID_ARGUMENT"), error
        assert "NUL" in error.message
    listed = await models.ListModels(pb.ListModelsRequest(), metadata=ana.metadata)
    assert list(listed.models) == []


async def test_search_of_a_hyperparameter_fixed_in_overrides_is_refused(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    request = lstm_request(ana.dataset_id, type=common_pb2.MODEL_TYPE_SEASONAL_NAIVE)
    request.ClearField("hyperparameters")
    request.ClearField("quantiles")
    model_id = (await models.CreateModel(request, metadata=ana.metadata)).model.model_id
    train = pb.TrainModelRequest(
        model_id=model_id,
        hyperparameter_overrides={"season_length": pb.HyperparameterValue(int_value=12)},
        search=pb.HyperparameterSearch(n_trials=3, parameters=["season_length"]),
    )
    error = await failure(models.TrainModel(train, metadata=ana.metadata))
    assert (error.code, error.fields) == (INVALID, ["search.parameters[0]"]), error
    assert "hyperparameter_overrides" in error.message
    jobs = await models.ListTrainingJobs(pb.ListTrainingJobsRequest(model_id=model_id), metadata=ana.metadata)
    assert list(jobs.jobs) == []
