"""Predict with a version trained through the normal job runner and deployed by it."""

from __future__ import annotations

import grpc
import numpy as np
from quantis.v1 import common_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import model_service_pb2 as model_pb
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.models import ModelVersion
from server.domain.prediction.requests import Limits
from server.jobs.store import ModelStore
from tests.server.model.conftest import analyst, failure, lstm_request, wait_for
from tests.server.prediction.conftest import air_values, direct


async def test_predict_with_a_trained_deployed_lstm(
    channel: grpc.aio.Channel, application: Application
) -> None:
    ana = await analyst(application)
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    job = (
        await models.TrainModel(model_pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)
    ).job
    done = await wait_for(
        models, job.job_id, ana.metadata, lambda j: j.state == model_pb.TRAINING_JOB_STATE_SUCCEEDED
    )

    values = air_values()
    response = await predictions.Predict(
        pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=values)),
        metadata=ana.metadata,
    )
    assert response.version_id == done.version_id  # the first READY version deploys itself
    artifact = await application.db.run(lambda s: s.get(ModelVersion, done.version_id).artifact_path)
    point, _ = direct(
        ModelStore(application.settings.object_store_dir).path(artifact), values, 12, (0.1, 0.5, 0.9)
    )
    np.testing.assert_allclose([p.mean for p in response.forecast.points], point[0], rtol=1e-5)  # type: ignore[index]

    # A full inference queue refuses work with a hint of when to retry.
    predictor = application.prediction.predictor  # type: ignore[union-attr]
    predictor.limits = Limits(max_queued_series=0)
    full = await failure(
        predictions.Predict(
            pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=values)),
            metadata=ana.metadata,
        )
    )
    assert full.code == grpc.StatusCode.RESOURCE_EXHAUSTED and full.reason == "INFERENCE_QUEUE_FULL"
