"""Predict over a real channel: answers equal the model called directly, routing, validation, history."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.protobuf import timestamp_pb2
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.models import Deployment
from server.settings import Settings
from tests.server.model.conftest import failure
from tests.server.prediction.conftest import HORIZON, air_values, caller, deploy_model, direct

Stub = prediction_service_pb2_grpc.PredictionServiceStub


@pytest.fixture
def settings(backend_settings: Settings) -> Settings:
    """Every test here runs on both inference backends."""
    return backend_settings


def monthly_seconds(count: int) -> np.ndarray:
    """The first of each month from January 1949, in seconds since the epoch."""
    months = np.datetime64("1949-01") + np.arange(count)
    return months.astype("datetime64[s]").astype(np.int64)


def series(values: list[float], **fields: object) -> common_pb2.Series:
    return common_pb2.Series(values=values, **fields)  # type: ignore[arg-type]


async def test_predict_equals_the_model_called_directly(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    values = air_values()
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(datetime(1949, 1, 1, tzinfo=UTC))
    response = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id,
            series=series(values, series_id="air", start=start, frequency=common_pb2.FREQUENCY_MONTHLY),
        ),
        metadata=ana.metadata,
    )
    assert response.model_id == model.model_id and response.version_id == model.versions[0]
    assert response.prediction_id and response.latency.ToTimedelta().total_seconds() > 0
    forecast = response.forecast
    assert forecast.series_id == "air" and len(forecast.points) == HORIZON
    point, quantiles = direct(artifacts[0], values, HORIZON, (0.1, 0.5, 0.9))
    np.testing.assert_allclose([p.mean for p in forecast.points], point[0], rtol=1e-5)  # type: ignore[index]
    got = [[q.value for q in p.quantiles] for p in forecast.points]
    np.testing.assert_allclose(got, quantiles[0], rtol=1e-5)  # type: ignore[index]
    assert [p.step for p in forecast.points] == list(range(1, HORIZON + 1))
    assert [q.quantile for q in forecast.points[0].quantiles] == [0.1, 0.5, 0.9]
    first = forecast.points[0].timestamp.ToDatetime(tzinfo=UTC)
    assert first == datetime(1961, 1, 1, tzinfo=UTC)  # 144 months from 1949-01 end in 1960-12
    assert forecast.points[-1].timestamp.ToDatetime(tzinfo=UTC) == datetime(1961, 12, 1, tzinfo=UTC)

    # Timestamps instead of a start: the points follow the last of them.
    dated = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id,
            series=series(
                values,
                timestamps=[timestamp_pb2.Timestamp(seconds=int(t)) for t in monthly_seconds(len(values))],
                frequency=common_pb2.FREQUENCY_MONTHLY,
            ),
        ),
        metadata=ana.metadata,
    )
    assert [p.timestamp for p in dated.forecast.points] == [p.timestamp for p in forecast.points]
    np.testing.assert_allclose([p.mean for p in dated.forecast.points], point[0], rtol=1e-5)  # type: ignore[index]

    # Without a start the points carry no timestamps; a shorter horizon and interpolated levels work.
    short = await predictions.Predict(
        pb.PredictRequest(model_id=model.model_id, series=series(values), horizon=3, quantiles=[0.25, 0.75]),
        metadata=ana.metadata,
    )
    assert len(short.forecast.points) == 3 and not short.forecast.points[0].HasField("timestamp")
    assert [q.quantile for q in short.forecast.points[0].quantiles] == [0.25, 0.75]

    # History is written behind; after a flush it is readable.
    await application.prediction.history.flush()  # type: ignore[union-attr]
    got_back = await predictions.GetPrediction(
        pb.GetPredictionRequest(prediction_id=response.prediction_id), metadata=ana.metadata
    )
    stored = got_back.prediction
    assert stored.source == pb.PREDICTION_SOURCE_UNARY and stored.series_id == "air"
    assert stored.horizon == HORIZON and list(stored.quantiles) == [0.1, 0.5, 0.9]
    np.testing.assert_allclose([p.mean for p in stored.forecast.points], point[0], rtol=1e-5)  # type: ignore[index]
    assert stored.forecast.points[0].timestamp == forecast.points[0].timestamp
    assert not stored.has_actuals
    basic = await predictions.GetPrediction(
        pb.GetPredictionRequest(prediction_id=response.prediction_id, view=pb.PREDICTION_VIEW_BASIC),
        metadata=ana.metadata,
    )
    assert not basic.prediction.HasField("forecast")


async def test_pinned_and_routed_versions(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts, split={0: 90, 1: 10})
    values = air_values()
    request = pb.PredictRequest(model_id=model.model_id, series=series(values), horizon=2)

    pinned = await predictions.Predict(
        pb.PredictRequest(model_id=model.model_id, version_id=model.versions[1], series=series(values)),
        metadata=ana.metadata,
    )
    assert pinned.version_id == model.versions[1]
    point, _ = direct(artifacts[1], values, HORIZON, (0.1, 0.5, 0.9))
    np.testing.assert_allclose([p.mean for p in pinned.forecast.points], point[0], rtol=1e-5)  # type: ignore[index]

    answers = await asyncio.gather(*(predictions.Predict(request, metadata=ana.metadata) for _ in range(200)))
    counts = Counter(a.version_id for a in answers)
    assert set(counts) <= set(model.versions)
    assert 160 <= counts[model.versions[0]] <= 196, counts  # 90% of 200 = 180, well within 4 sigma

    # A deploy takes effect within the routing TTL.
    def move(session: object) -> None:
        for row in session.query(Deployment).filter_by(model_id=model.model_id):  # type: ignore[attr-defined]
            row.percent = 100 if row.version_id == model.versions[1] else 0

    await application.db.run(move)
    application.prediction.router.invalidate()  # type: ignore[union-attr]
    after = await predictions.Predict(request, metadata=ana.metadata)
    assert after.version_id == model.versions[1]


async def test_no_deployed_version_and_foreign_models(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    bob = await caller(application, "bob")
    idle = await deploy_model(application, ana.user_id, artifacts[:1], default=None)
    request = pb.PredictRequest(model_id=idle.model_id, series=series([1.0, 2.0, 3.0]))
    got = await failure(predictions.Predict(request, metadata=ana.metadata))
    assert got.code == grpc.StatusCode.FAILED_PRECONDITION and got.reason == "NO_DEPLOYED_VERSION"
    # Pinning a READY version works even without a deployment.
    request.version_id = idle.versions[0]
    assert (await predictions.Predict(request, metadata=ana.metadata)).version_id == idle.versions[0]
    # Someone else's model does not exist for bob.
    got = await failure(predictions.Predict(request, metadata=bob.metadata))
    assert got.code == grpc.StatusCode.NOT_FOUND
    other = await deploy_model(application, bob.user_id, artifacts[:1])
    request = pb.PredictRequest(model_id=other.model_id, version_id=idle.versions[0], series=series([1.0]))
    got = await failure(predictions.Predict(request, metadata=bob.metadata))
    # ana's version pinned on bob's model: not found, as if there were none (no hint it exists).
    assert got.code == grpc.StatusCode.NOT_FOUND and idle.model_id not in str(got.message)
    # bob's own version of his other model: he may be told, as the contract says.
    mine = await deploy_model(application, bob.user_id, artifacts[:1])
    request.version_id = mine.versions[0]
    got = await failure(predictions.Predict(request, metadata=bob.metadata))
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT and got.fields == ["version_id"]


@pytest.mark.parametrize("backend_settings", ["in-process"], indirect=True)  # checked before any backend
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"model_id": ""}, "model_id"),
        ({"horizon": 13}, "horizon"),
        ({"horizon": 1001}, "horizon"),
        ({"horizon": -1}, "horizon"),
        ({"quantiles": [0.9, 0.1]}, "quantiles[1]"),
        ({"quantiles": [0.0, 0.5]}, "quantiles[0]"),
        ({"quantiles": [0.05, 0.5]}, "quantiles[0]"),  # below the trained 0.1
        ({"values": []}, "series.values"),
        ({"values": [1.0, float("inf")]}, "series.values"),
        ({"values": [1.0, 1e300]}, "series.values"),  # inf in the model's float32
        ({"values": [float("nan"), float("nan")]}, "series.values"),
        ({"values": [1.0, 0.0, 3.0]}, "series.values"),  # the model learnt log values
        ({"frequency": common_pb2.FREQUENCY_DAILY}, "series.frequency"),
        ({"future": True}, "future_covariates[price]"),
        ({"timestamps": [0, 1]}, "series.timestamps"),  # three values
        ({"timestamps": [0, 86_400, 86_400]}, "series.timestamps[2]"),  # the same time twice
        ({"timestamps": [86_400, 0, 172_800]}, "series.timestamps[1]"),  # going back
        ({"timestamps": [0, 16_725_225_600, 16_727_904_000]}, "series.timestamps[1]"),  # 2500: past 2262
        ({"start": -17_001_446_400}, "series.start"),  # 1431-04
        ({"start": 86_400}, "series.start"),  # 1970-01-02: not a month start
        ({"timestamps": [0, 3_888_000, 5_097_600]}, "series.timestamps[1]"),  # 1970-02-15
        # datetime64[ns] ends on 2262-04-11: a later point wrapped round to 1678.
        ({"start": 9_219_744_000}, "series.start"),  # 2262-03: the third value is past it
        ({"start": 9_211_968_000}, "horizon"),  # 2261-12: the series fits, 12 months more do not
        ({"timestamps": [9_211_968_000, 9_214_646_400, 9_217_324_800]}, "horizon"),
        ({"series_id": "s" * 257}, "series.series_id"),  # longer than the history stores
        ({"series_id": "s\x00"}, "series.series_id"),  # PostgreSQL stores no NUL
    ],
)
async def test_validation_names_the_field(
    predictions: Stub, application: Application, artifacts: list[Path], change: dict[str, object], field: str
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    request = pb.PredictRequest(model_id=model.model_id, series=series([1.0, float("nan"), 3.0]))
    for key, value in change.items():
        if key == "values":
            del request.series.values[:]
            request.series.values.extend(value)  # type: ignore[arg-type]
        elif key == "frequency":
            request.series.frequency = value  # type: ignore[assignment]
        elif key == "future":
            request.future_covariates["price"].values.extend([1.0])
        elif key == "quantiles":
            request.quantiles.extend(value)  # type: ignore[arg-type]
        elif key == "timestamps":
            request.series.timestamps.extend(timestamp_pb2.Timestamp(seconds=t) for t in value)  # type: ignore[attr-defined]
        elif key == "start":
            request.series.start.seconds = value  # type: ignore[assignment]
        elif key == "series_id":
            request.series.series_id = value  # type: ignore[assignment]
        else:
            setattr(request, key, value)
    got = await failure(predictions.Predict(request, metadata=ana.metadata))
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT, got
    assert got.fields == [field], got


async def test_dated_values_are_placed_on_the_model_grid(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """Timestamps with gaps: each missing month is a missing value, as if sent as NaN, and the
    forecast follows the last timestamp."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    values = air_values()[:48]
    months = monthly_seconds(len(values))
    kept = np.ones(len(values), dtype=bool)
    kept[[20, 21, 30]] = False  # three months without a row
    dated = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id,
            series=series(
                [float(v) for v in np.asarray(values)[kept]],
                timestamps=[timestamp_pb2.Timestamp(seconds=int(t)) for t in months[kept]],
            ),
        ),
        metadata=ana.metadata,
    )
    gaps = [float("nan") if not k else float(v) for v, k in zip(values, kept, strict=True)]
    filled = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id,
            series=series(gaps, start=timestamp_pb2.Timestamp(seconds=int(months[0]))),
        ),
        metadata=ana.metadata,
    )
    assert [p.timestamp for p in dated.forecast.points] == [p.timestamp for p in filled.forecast.points]
    assert dated.forecast.points[0].timestamp.ToDatetime(tzinfo=UTC) == datetime(1953, 1, 1, tzinfo=UTC)
    np.testing.assert_allclose(
        [p.mean for p in dated.forecast.points], [p.mean for p in filled.forecast.points], rtol=1e-6
    )
    # The same values read as consecutive months give another forecast.
    squeezed = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id, series=series([float(v) for v in np.asarray(values)[kept]])
        ),
        metadata=ana.metadata,
    )
    assert [p.mean for p in squeezed.forecast.points] != [p.mean for p in dated.forecast.points]
