"""Predict with a statistical model on a very long series: it answers within a usual deadline,
and the server goes on serving other calls meanwhile.

statsforecast's AutoETS fit costs about 0.7 ms per value and keeps the interpreter lock for its
whole run: a 100,000-value series took 71-95 s and stalled every other call of the server while
it ran. The fit now uses the latest ``max_history`` values, in a worker process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
from quantis.v1 import common_pb2, model_service_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.enums import ModelType
from tests.server.model.datasets import AIRPASSENGERS
from tests.server.prediction.conftest import caller, deploy_model


async def test_a_long_series_is_answered_while_other_calls_are_served(
    predictions: prediction_service_pb2_grpc.PredictionServiceStub,
    channel: grpc.aio.Channel,
    application: Application,
    ets_artifact: list[Path],
) -> None:
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, ets_artifact, model_type=ModelType.AUTO_ETS)
    season = pd.read_csv(AIRPASSENGERS)["value"].to_numpy(np.float64)[-12:]
    values = np.tile(season, 100_000 // 12 + 1)[:100_000].tolist()
    await predictions.Predict(  # the worker process is up
        pb.PredictRequest(
            model_id=model.model_id, series=common_pb2.Series(values=season.tolist()), horizon=3
        ),
        metadata=ana.metadata,
    )
    long = asyncio.ensure_future(
        predictions.Predict(
            pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=values), horizon=3),
            metadata=ana.metadata,
            timeout=30,
        )
    )
    served = 0
    while not long.done():
        await models.GetModel(
            model_service_pb2.GetModelRequest(model_id=model.model_id), metadata=ana.metadata
        )
        served += 1
    points = (await long).forecast.points
    assert len(points) == 3 and all(np.isfinite(p.mean) for p in points)
    # With the pass holding the server's interpreter lock, 6 calls got through while it ran; 856
    # with it in a worker process.
    assert served >= 50
