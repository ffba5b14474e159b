"""History: list with filters, actuals and live accuracy, per-version stats."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import grpc
import numpy as np
import pytest
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.model.conftest import failure
from tests.server.prediction.conftest import air_values, caller, deploy_model, stamp

Stub = prediction_service_pb2_grpc.PredictionServiceStub


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


async def test_actuals_accuracy_and_stats(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    bob = await caller(application, "bob")
    model = await deploy_model(application, ana.user_id, artifacts, split={0: 50, 1: 50})
    values = air_values()[:132]  # 1949-01 .. 1959-12; the actuals are 1960
    actual_1960 = air_values()[132:144]
    request = pb.PredictRequest(
        model_id=model.model_id,
        series=common_pb2.Series(
            values=values,
            start=stamp(datetime(1949, 1, 1, tzinfo=UTC)),
            frequency=common_pb2.FREQUENCY_MONTHLY,
        ),
        horizon=4,
    )
    made = [await predictions.Predict(request, metadata=ana.metadata) for _ in range(6)]
    await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id, version_id=model.versions[0], series=common_pb2.Series(values=[1.0, 2.0])
        ),
        metadata=ana.metadata,
    )

    # Failures once a version is chosen: two on the pinned version (a horizon past the model's,
    # a quantile outside the trained ones), one routed; bob finds no model (not counted).
    def failing(**fields: object) -> pb.PredictRequest:
        series = common_pb2.Series(values=[1.0, 2.0])
        return pb.PredictRequest(model_id=model.model_id, series=series, **fields)  # type: ignore[arg-type]

    pinned = model.versions[0]
    for bad in (
        failing(version_id=pinned, horizon=13),
        failing(version_id=pinned, quantiles=[0.01]),
        failing(horizon=13),
    ):
        with pytest.raises(grpc.aio.AioRpcError):
            await predictions.Predict(bad, metadata=ana.metadata)
    with pytest.raises(grpc.aio.AioRpcError):
        await predictions.Predict(failing(), metadata=bob.metadata)
    await application.prediction.history.flush()  # type: ignore[union-attr]
    await application.prediction.predictor.failures.close()  # type: ignore[union-attr]

    first = made[0]
    point = np.array([p.mean for p in first.forecast.points])
    lower = np.array([p.quantiles[0].value for p in first.forecast.points])
    upper = np.array([p.quantiles[2].value for p in first.forecast.points])

    # Steps 1 and 2 as values (step 3 NaN: ignored), then step 4 by timestamp and step 2 again.
    step = await predictions.SubmitActuals(
        pb.SubmitActualsRequest(
            prediction_id=first.prediction_id, values=[actual_1960[0], actual_1960[1], math.nan]
        ),
        metadata=ana.metadata,
    )
    assert (step.matched_points, step.ignored_points) == (2, 1)
    assert step.accuracy.metrics.points == 2
    late = await predictions.SubmitActuals(
        pb.SubmitActualsRequest(
            prediction_id=first.prediction_id,
            points=[
                pb.ActualPoint(timestamp=stamp(datetime(1960, 4, 1, tzinfo=UTC)), value=actual_1960[3]),
                pb.ActualPoint(step=2, value=actual_1960[1]),
                pb.ActualPoint(timestamp=stamp(datetime(1970, 1, 1, tzinfo=UTC)), value=1.0),
            ],
        ),
        metadata=ana.metadata,
    )
    assert (late.matched_points, late.ignored_points) == (2, 1)
    accuracy = late.accuracy
    observed = np.array([actual_1960[0], actual_1960[1], np.nan, actual_1960[3]])
    assert math.isnan(accuracy.actuals[2]) and accuracy.actuals[3] == pytest.approx(actual_1960[3])
    mask = ~np.isnan(observed)
    errors = np.abs(observed[mask] - point[mask])
    assert accuracy.metrics.points == 3
    assert accuracy.metrics.mae == pytest.approx(errors.mean(), rel=1e-6)
    inside = (observed[mask] >= lower[mask]) & (observed[mask] <= upper[mask])
    assert accuracy.metrics.coverage_80 == pytest.approx(inside.mean())
    assert [(i.lower_quantile, i.upper_quantile, i.points) for i in accuracy.intervals] == [(0.1, 0.9, 3)]
    assert accuracy.intervals[0].nominal == pytest.approx(0.8)
    # MASE is scaled by the seasonal naive error of the input series.
    y = np.array(values)
    scale = np.mean(np.abs(y[12:] - y[:-12]))
    assert accuracy.metrics.mase == pytest.approx(errors.mean() / scale, rel=1e-6)

    got = (
        await predictions.GetPrediction(
            pb.GetPredictionRequest(prediction_id=first.prediction_id), metadata=ana.metadata
        )
    ).prediction
    assert got.has_actuals and got.accuracy.metrics.points == 3 and got.accuracy.HasField("update_time")

    bad = await failure(
        predictions.SubmitActuals(
            pb.SubmitActualsRequest(prediction_id=first.prediction_id, values=[1.0] * 5),
            metadata=ana.metadata,
        )
    )
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT and bad.fields == ["values"]
    both = await failure(
        predictions.SubmitActuals(
            pb.SubmitActualsRequest(
                prediction_id=first.prediction_id, values=[1.0], points=[pb.ActualPoint(step=1, value=1.0)]
            ),
            metadata=ana.metadata,
        )
    )
    assert both.code == grpc.StatusCode.INVALID_ARGUMENT
    twice = await failure(  # step 4 by its timestamp, then again by number: which is it?
        predictions.SubmitActuals(
            pb.SubmitActualsRequest(
                prediction_id=first.prediction_id,
                points=[
                    pb.ActualPoint(timestamp=stamp(datetime(1960, 4, 1, tzinfo=UTC)), value=1.0),
                    pb.ActualPoint(step=4, value=2.0),
                ],
            ),
            metadata=ana.metadata,
        )
    )
    assert (twice.code, twice.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["points[1]"])
    theirs = await failure(
        predictions.SubmitActuals(
            pb.SubmitActualsRequest(prediction_id=first.prediction_id, values=[1.0]), metadata=bob.metadata
        )
    )
    assert theirs.code == grpc.StatusCode.NOT_FOUND

    # Listing: newest first, filters, pages.
    listed = await predictions.ListPredictions(
        pb.ListPredictionsRequest(model_id=model.model_id), metadata=ana.metadata
    )
    assert listed.total_size == 7 and not listed.predictions[0].HasField("forecast")
    times = [p.create_time.ToDatetime() for p in listed.predictions]
    assert times == sorted(times, reverse=True)
    with_actuals = await predictions.ListPredictions(
        pb.ListPredictionsRequest(filter="has_actuals=true AND source=PREDICTION_SOURCE_UNARY"),
        metadata=ana.metadata,
    )
    assert [p.prediction_id for p in with_actuals.predictions] == [first.prediction_id]
    paged = await predictions.ListPredictions(pb.ListPredictionsRequest(page_size=4), metadata=ana.metadata)
    rest = await predictions.ListPredictions(
        pb.ListPredictionsRequest(page_size=4, page_token=paged.next_page_token), metadata=ana.metadata
    )
    assert len(paged.predictions) == 4 and len(rest.predictions) == 3 and not rest.next_page_token
    assert (
        await predictions.ListPredictions(pb.ListPredictionsRequest(), metadata=bob.metadata)
    ).total_size == 0
    broken = await failure(
        predictions.ListPredictions(pb.ListPredictionsRequest(filter="nope=1"), metadata=ana.metadata)
    )
    assert broken.code == grpc.StatusCode.INVALID_ARGUMENT and broken.reason == "FILTER_INVALID"

    stats = await predictions.GetPredictionStats(
        pb.GetPredictionStatsRequest(model_id=model.model_id), metadata=ana.metadata
    )
    assert stats.total.request_count == 7 and stats.total.series_count == 7 and stats.total.version_id == ""
    assert stats.total.error_count == 3 and sum(v.error_count for v in stats.versions) == 3
    assert next(v.error_count for v in stats.versions if v.version_id == pinned) >= 2
    assert sum(v.request_count for v in stats.versions) == 7
    assert {v.version_id for v in stats.versions} <= set(model.versions)
    counts = [v.request_count for v in stats.versions]
    assert counts == sorted(counts, reverse=True)
    assert stats.total.predictions_with_actuals == 1 and stats.total.live_metrics.points == 3
    assert stats.total.live_metrics.mae == pytest.approx(errors.mean(), rel=1e-6)
    assert stats.total.latency_p50.ToTimedelta().total_seconds() > 0
    assert stats.total.latency_p99.ToTimedelta() >= stats.total.latency_p50.ToTimedelta()
    foreign = await failure(
        predictions.GetPredictionStats(
            pb.GetPredictionStatsRequest(model_id=model.model_id), metadata=bob.metadata
        )
    )
    assert foreign.code == grpc.StatusCode.NOT_FOUND
    for version_id in (
        "no-such-version",
        (await deploy_model(application, ana.user_id, artifacts[:1])).versions[0],
    ):
        unknown = await failure(  # a version of no model, or of another model: not zeros
            predictions.GetPredictionStats(
                pb.GetPredictionStatsRequest(model_id=model.model_id, version_id=version_id),
                metadata=ana.metadata,
            )
        )
        assert unknown.code == grpc.StatusCode.NOT_FOUND, version_id
