"""The demo model: a first start stores AirPassengers, trains a small LSTM and deploys it."""

from __future__ import annotations

import time

import grpc
from quantis.v1 import common_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import model_service_pb2 as model_pb
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application, bootstrap_demo_model
from tests.server.auth_helpers import admin_token
from tests.server.model.conftest import wait_for
from tests.server.prediction.conftest import air_values


async def test_first_start_trains_and_deploys_the_demo_model(
    channel: grpc.aio.Channel, application: Application
) -> None:
    assert await bootstrap_demo_model(application) is None  # no admin to own it yet
    token = await admin_token(application)
    metadata = (("authorization", f"Bearer {token}"),)
    started = time.monotonic()
    demo = await bootstrap_demo_model(application)
    assert demo is not None
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    done = await wait_for(
        models, demo.job_id, metadata, lambda j: j.state == model_pb.TRAINING_JOB_STATE_SUCCEEDED, limit=60
    )
    assert time.monotonic() - started < 60
    response = await pb_predict(channel, demo.model_id, metadata)
    assert response.version_id == done.version_id and len(response.forecast.points) == 12
    assert await bootstrap_demo_model(application) is None  # only on a first start


async def pb_predict(channel: grpc.aio.Channel, model_id: str, metadata: object) -> pb.PredictResponse:
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    return await stub.Predict(  # type: ignore[no-any-return]
        pb.PredictRequest(model_id=model_id, series=common_pb2.Series(values=air_values())), metadata=metadata
    )
