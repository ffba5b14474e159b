"""Predict with a statistical model on series too short for it: a naive forecast, not INTERNAL."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from tests.server.model.datasets import AIRPASSENGERS
from tests.server.prediction.conftest import METRICS, caller, deploy_model
from training import Panel, create_forecaster, save_artifact


@pytest.fixture
def ets_artifact(tmp_path: Path) -> list[Path]:
    panel = Panel.from_long(pd.read_csv(AIRPASSENGERS), "monthly")
    model = create_forecaster("AUTO_ETS")
    model.fit(panel, 12)
    return [save_artifact(model, tmp_path / "ets", panel, {"validation": METRICS})]


async def test_auto_ets_answers_short_series(
    predictions: prediction_service_pb2_grpc.PredictionServiceStub,
    application: Application,
    ets_artifact: list[Path],
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, ets_artifact)

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
