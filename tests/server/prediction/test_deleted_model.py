"""A deleted model stops being served at once: NOT_FOUND, not an answer from the routing a
process held, nor INTERNAL for the files that went with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import grpc
from quantis.v1 import common_pb2, model_service_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from tests.server.model.conftest import failure
from tests.server.prediction.conftest import HORIZON, air_values, caller, deploy_model

Stub = prediction_service_pb2_grpc.PredictionServiceStub


def predict(model_id: str, version_id: str = "") -> pb.PredictRequest:
    series = common_pb2.Series(values=air_values()[:48])
    return pb.PredictRequest(model_id=model_id, version_id=version_id, series=series, horizon=HORIZON)


async def test_predict_right_after_delete_model_is_not_found(
    predictions: Stub, application: Application, artifacts: list[Path], channel: grpc.aio.Channel
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    await predictions.Predict(predict(model.model_id), metadata=ana.metadata)  # routed and loaded
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    await models.DeleteModel(
        model_service_pb2.DeleteModelRequest(model_id=model.model_id), metadata=ana.metadata
    )
    error = await failure(predictions.Predict(predict(model.model_id), metadata=ana.metadata))
    assert error.code is grpc.StatusCode.NOT_FOUND


async def test_a_version_whose_files_are_gone_is_not_found(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:2])
    await predictions.Predict(predict(model.model_id, model.versions[0]), metadata=ana.metadata)
    store = application.settings.object_store_dir
    shutil.rmtree(store / "models" / model.model_id / "versions" / model.versions[1])
    gone = predictions.Predict(predict(model.model_id, model.versions[1]), metadata=ana.metadata)
    error = await failure(gone)
    assert error.code is grpc.StatusCode.NOT_FOUND
