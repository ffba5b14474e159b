"""Edges of what CreateModel and the model lists take: INVALID_ARGUMENT naming the field, never
INTERNAL and never a model that cannot answer."""

from __future__ import annotations

import math

import grpc
from quantis.v1 import common_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb
from quantis.v1 import prediction_service_pb2 as prediction_pb

from server.composition import Application
from tests.server.model.conftest import analyst, failure, lstm_request

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def statistical(dataset_id: str, model_type: int, levels: list[float]) -> pb.CreateModelRequest:
    request = lstm_request(dataset_id, type=model_type)
    request.quantiles[:] = levels
    request.ClearField("hyperparameters")  # the LSTM's
    return request


async def test_every_statistical_type_refuses_levels_it_cannot_give(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    """statsforecast rounds an interval to six decimals of a percent and refuses 0% and 100%: a
    model created with such a level could never answer a prediction."""
    ana = await analyst(application)
    for model_type in (common_pb2.MODEL_TYPE_SEASONAL_NAIVE, common_pb2.MODEL_TYPE_AUTO_ARIMA):
        for levels, index in (([1e-300], 0), ([0.2, 1 - 1e-16], 1), ([0.5 - 1e-12, 0.5], 0), ([math.nan], 0)):
            request = statistical(ana.dataset_id, model_type, levels)
            refused = await failure(models.CreateModel(request, metadata=ana.metadata))
            assert (refused.code, refused.fields) == (INVALID, [f"quantiles[{index}]"]), (model_type, levels)
        request = statistical(ana.dataset_id, model_type, [1e-8, 0.3, 1 - 1e-8])
        created = (await models.CreateModel(request, metadata=ana.metadata)).model
        assert list(created.quantiles) == [1e-8, 0.3, 0.5, 1 - 1e-8]
    # The message states the rule a caller can follow.
    request = statistical(ana.dataset_id, common_pb2.MODEL_TYPE_AUTO_ETS, [1e-300])
    message = (await failure(models.CreateModel(request, metadata=ana.metadata))).message
    assert "are 0.5 or lie between 1e-08 and 0.99999999" in message, message


async def test_a_filter_of_a_thousand_terms_names_filter(
    models: model_service_pb2_grpc.ModelServiceStub, channel: grpc.aio.Channel, application: Application
) -> None:
    """A thousand AND terms made SQLite refuse the expression tree: INTERNAL on each of these."""
    ana = await analyst(application)
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    terms = " AND ".join(["create_time>2000-01-01T00:00:00Z"] * 1000)
    predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    for call in (
        models.ListModels(pb.ListModelsRequest(filter=terms), metadata=ana.metadata),
        models.ListTrainingJobs(pb.ListTrainingJobsRequest(filter=terms), metadata=ana.metadata),
        models.ListModelVersions(
            pb.ListModelVersionsRequest(model_id=model.model_id, filter=terms), metadata=ana.metadata
        ),
        predictions.ListPredictions(
            prediction_pb.ListPredictionsRequest(filter=terms), metadata=ana.metadata
        ),
    ):
        refused = await failure(call)
        assert (refused.code, refused.reason, refused.fields) == (INVALID, "FILTER_INVALID", ["filter"])
    # Short enough for the length limit, too many terms all the same.
    terms = " AND ".join(["create_time>2000-01-01T00:00:00Z"] * 21)
    refused = await failure(models.ListModels(pb.ListModelsRequest(filter=terms), metadata=ana.metadata))
    assert (refused.reason, refused.fields) == ("FILTER_INVALID", ["filter"])
    assert "at most 20 terms" in refused.message
