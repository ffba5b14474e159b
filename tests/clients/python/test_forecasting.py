"""forecast_many over StreamPredict, and watch_training over WatchTrainingJob, on a real server."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pandas as pd
import pytest
import quantis
from quantis.v1 import common_pb2, prediction_service_pb2
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from tests.server.model.conftest import TINY_LSTM
from tests.server.model.datasets import AIRPASSENGERS, user_id
from tests.server.prediction.conftest import deploy_model

AIR = [float(v) for v in pd.read_csv(AIRPASSENGERS)["value"]]


def many_series(count: int) -> list[tuple[str, list[float]]]:
    """Windows of AirPassengers of different lengths, so that messages carry ragged series."""
    return [(f"s{i}", AIR[i % 40 : 60 + i % 80]) for i in range(count)]


async def test_forecast_many_in_input_order(
    analyst: quantis.AsyncClient, application: Application, artifacts: list[Path]
) -> None:
    deployed = await deploy_model(application, await user_id(application, "ana"), artifacts)
    series = many_series(300)
    results = [
        f
        async for f in analyst.forecast_many(
            series,
            model_id=deployed.model_id,
            horizon=6,
            quantiles=[0.1, 0.9],
            series_per_message=16,
            max_in_flight=2,
        )
    ]
    assert [r.series_id for r in results] == [s for s, _ in series]
    assert all(len(r.point) == 6 and sorted(r.quantiles) == [0.1, 0.9] for r in results)
    assert all(r.quantiles[0.1][s] <= r.point[s] <= r.quantiles[0.9][s] for r in results for s in range(6))
    assert all(math.isfinite(v) for r in results for v in r.point)
    assert {r.version_id for r in results} == {deployed.versions[0]}
    # Each series is forecast as Predict would forecast it alone.
    single = await analyst.predictions.Predict(
        prediction_service_pb2.PredictRequest(
            model_id=deployed.model_id,
            series=common_pb2.Series(values=series[7][1]),
            horizon=6,
            quantiles=[0.1, 0.9],
        )
    )
    alone = [p.mean for p in single.forecast.points]
    assert all(math.isclose(a, b, rel_tol=1e-5) for a, b in zip(alone, results[7].point, strict=True))


async def test_sync_forecast_many_with_a_slow_consumer(
    analyst: quantis.AsyncClient, application: Application, artifacts: list[Path], target: str
) -> None:
    deployed = await deploy_model(application, await user_id(application, "ana"), artifacts)

    def consume() -> list[str]:
        with quantis.Client(target, tokens=analyst.credentials.tokens) as client:
            ids = []
            for forecast in client.forecast_many(
                many_series(64), model_id=deployed.model_id, horizon=3, series_per_message=4, max_in_flight=2
            ):
                ids.append(forecast.series_id)
            return ids

    assert await asyncio.to_thread(consume) == [f"s{i}" for i in range(64)]


async def test_watch_training_until_it_succeeds(analyst: quantis.AsyncClient) -> None:
    dataset = await analyst.upload_dataset(
        AIRPASSENGERS, name="air", series_id_column="series_id", progress=False
    )
    model = (
        await analyst.models.CreateModel(
            pb.CreateModelRequest(
                name="air lstm",
                type=common_pb2.MODEL_TYPE_LSTM,
                dataset_id=dataset.dataset_id,
                horizon=12,
                quantiles=[0.1, 0.9],
                hyperparameters=TINY_LSTM,
            )
        )
    ).model
    job = (await analyst.models.TrainModel(pb.TrainModelRequest(model_id=model.model_id))).job
    progress = [p async for p in analyst.watch_training(job.job_id, deadline=120)]
    assert progress[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED
    assert any(p.epoch >= 1 and p.train_loss > 0 for p in progress)
    assert all(p.job_id == job.job_id for p in progress)


async def test_bad_input_is_raised_as_itself(analyst: quantis.AsyncClient, target: str) -> None:
    with pytest.raises(ValueError, match="series_per_message"):
        [f async for f in analyst.forecast_many(many_series(3), model_id="m", series_per_message=0)]

    def sync() -> None:
        with quantis.Client(target, tokens=analyst.credentials.tokens) as client:
            list(client.forecast_many(many_series(3), model_id="m", series_per_message=0))

    with pytest.raises(ValueError, match="series_per_message"):
        await asyncio.to_thread(sync)
