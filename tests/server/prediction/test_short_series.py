"""Predict with a statistical model on series too short for it: a naive forecast, not INTERNAL."""

from __future__ import annotations

import math
from pathlib import Path

import grpc
import pytest
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.enums import ModelType
from tests.server.prediction.conftest import caller, deploy_model


async def test_auto_ets_answers_short_series(
    predictions: prediction_service_pb2_grpc.PredictionServiceStub,
    application: Application,
    ets_artifact: list[Path],
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, ets_artifact, model_type=ModelType.AUTO_ETS)

    async def forecast(values: list[float]) -> list[common_pb2.ForecastPoint]:
        response = await predictions.Predict(
            pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=values), horizon=3),
            metadata=ana.metadata,
        )
        return list(response.forecast.points)

    # AutoETS cannot fit four points (statsforecast raises); the naive forecast answers.
    points = await forecast([112.0, 118.0, 132.0, 129.0])
    assert [p.mean for p in points] == [129.0] * 3
    assert all(p.quantiles[0].value < 129.0 < p.quantiles[-1].value for p in points)
    # One observed value: the point, and no interval to size.
    points = await forecast([math.nan, 140.0])
    assert [p.mean for p in points] == [140.0] * 3
    assert all(math.isnan(p.quantiles[0].value) and math.isnan(p.quantiles[-1].value) for p in points)


async def test_levels_a_statistical_model_cannot_give_are_refused(
    predictions: prediction_service_pb2_grpc.PredictionServiceStub,
    application: Application,
    ets_artifact: list[Path],
) -> None:
    """statsforecast rounds an interval to six decimals of a percent and refuses 0% and 100%:
    these levels were INTERNAL."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, ets_artifact, model_type=ModelType.AUTO_ETS)
    values = [112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0]
    for levels in ([1e-300], [1 - 1e-16], [0.5 + 1e-10]):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await predictions.Predict(
                pb.PredictRequest(
                    model_id=model.model_id,
                    series=common_pb2.Series(values=values),
                    horizon=3,
                    quantiles=levels,
                ),
                metadata=ana.metadata,
            )
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT, levels
        assert "quantile level" in (refused.value.details() or ""), levels
    answered = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id,
            series=common_pb2.Series(values=values),
            horizon=3,
            quantiles=[1e-8, 1 - 1e-8],
        ),
        metadata=ana.metadata,
    )
    assert all(p.quantiles[0].value < p.mean < p.quantiles[1].value for p in answered.forecast.points)


async def test_a_model_holding_a_level_it_cannot_give_asks_for_levels(
    predictions: prediction_service_pb2_grpc.PredictionServiceStub,
    application: Application,
    ets_artifact: list[Path],
) -> None:
    """A statistical model created before CreateModel refused such levels: asked for none, it
    answered INVALID_ARGUMENT on quantiles, a field the caller had not set. The model's own
    levels are the problem (FAILED_PRECONDITION), and it answers levels asked for."""
    ana = await caller(application)
    model = await deploy_model(
        application, ana.user_id, ets_artifact, model_type=ModelType.AUTO_ETS, quantiles=(1e-300, 0.5)
    )
    request = pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=[1.0, 2.0, 3.0] * 8))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await predictions.Predict(request, metadata=ana.metadata)
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    request.quantiles[:] = [0.1, 0.9]
    answered = await predictions.Predict(request, metadata=ana.metadata)
    assert [q.quantile for q in answered.forecast.points[0].quantiles] == [0.1, 0.9]
