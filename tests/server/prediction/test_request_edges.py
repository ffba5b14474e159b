"""Edges of the prediction requests: each is INVALID_ARGUMENT or NOT_FOUND naming what is wrong,
never INTERNAL, on every path that takes it (Predict, StreamPredict, BatchPredict)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.enums import Frequency, ModelType
from server.domain.prediction.dating import on_periods
from server.errors import InvalidArgument
from tests.server.model.conftest import failure
from tests.server.model.datasets import store_dataset
from tests.server.prediction.conftest import air_values, caller, deploy_model, stamp

Stub = prediction_service_pb2_grpc.PredictionServiceStub
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def fields(error: status_pb2.Status) -> list[str]:
    """The fields a StreamPredict response's error names."""
    bad = error_details_pb2.BadRequest()
    assert any(detail.Unpack(bad) for detail in error.details), error
    return [violation.field for violation in bad.field_violations]


async def streamed(
    predictions: Stub, metadata: object, *requests: pb.StreamPredictRequest
) -> dict[str, pb.StreamPredictResponse]:
    async def send() -> AsyncIterator[pb.StreamPredictRequest]:
        for request in requests:
            yield request

    stream = predictions.StreamPredict(send(), metadata=metadata)
    return {answer.request_id: answer async for answer in stream}


async def test_stream_and_batch_refuse_levels_a_statistical_model_cannot_give(
    predictions: Stub, application: Application, ets_artifact: list[Path]
) -> None:
    """statsforecast rounds an interval to six decimals of a percent and refuses 0% and 100%: a
    stream message or batch job asking for such a level was INTERNAL, as Predict was."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, ets_artifact, model_type=ModelType.AUTO_ETS)
    series = air_values()[:36]

    def message(request_id: str, levels: list[float]) -> pb.StreamPredictRequest:
        return pb.StreamPredictRequest(
            request_id=request_id,
            model_id=model.model_id,
            horizon=3,
            quantiles=levels,
            lengths=[len(series)],
            values=series,
        )

    answers = await streamed(
        predictions,
        ana.metadata,
        message("tiny", [1e-300, 0.5]),
        message("whole", [0.1, 1 - 1e-16]),
        message("median", [0.5 + 1e-10]),
        message("widest", [1e-8, 0.5, 1 - 1e-8]),
    )
    for request_id, field in (
        ("tiny", "quantiles[0]"),
        ("whole", "quantiles[1]"),
        ("median", "quantiles[0]"),
    ):
        error = answers[request_id].error
        assert error.code == code_pb2.INVALID_ARGUMENT, (request_id, error)
        assert fields(error) == [field], request_id
        assert "between 1e-08 and 0.99999999" in error.message, error.message
    assert answers["widest"].error.code == code_pb2.OK and len(answers["widest"].point_forecasts) == 3

    dataset_id = await store_dataset(application, ana.user_id)
    batch = pb.BatchPredictRequest(
        dataset_id=dataset_id, model_id=model.model_id, horizon=3, quantiles=[0.5, 1 - 1e-16]
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for _ in predictions.BatchPredict(batch, metadata=ana.metadata):
            pass
    assert refused.value.code() is INVALID
    assert (refused.value.details() or "").startswith("quantiles[1]: quantile level"), refused.value.details()


async def test_a_stream_horizon_ending_past_2262_names_horizon(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """A monthly series of 2260-2261 fits in datetime64[ns]; six months after it do not (they
    wrapped round to 1678)."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    series = air_values()[:24]
    request = pb.StreamPredictRequest(
        request_id="late",
        model_id=model.model_id,
        horizon=6,
        frequency=common_pb2.FREQUENCY_MONTHLY,
        lengths=[len(series)],
        values=series,
        start_times=[stamp(datetime(2260, 1, 1, tzinfo=UTC))],
    )
    early = pb.StreamPredictRequest()
    early.CopyFrom(request)
    early.request_id = "early"
    early.start_times[0].CopyFrom(stamp(datetime(2258, 1, 1, tzinfo=UTC)))
    answers = await streamed(predictions, ana.metadata, request, early)
    assert answers["late"].error.code == code_pb2.INVALID_ARGUMENT
    assert fields(answers["late"].error) == ["horizon"]
    assert answers["early"].error.code == code_pb2.OK and len(answers["early"].point_forecasts) == 6


async def test_submit_actuals_refuses_a_step_given_twice(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """The same step twice, by number or by timestamp, kept whichever came last and counted one
    point: which of the two values is the actual is the caller's to say."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    made = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id,
            series=common_pb2.Series(
                values=air_values()[:132],
                start=stamp(datetime(1949, 1, 1, tzinfo=UTC)),
                frequency=common_pb2.FREQUENCY_MONTHLY,
            ),
            horizon=4,
        ),
        metadata=ana.metadata,
    )
    await application.prediction.history.flush()  # type: ignore[union-attr]
    april = stamp(datetime(1960, 4, 1, tzinfo=UTC))
    for points in (
        [pb.ActualPoint(step=2, value=1.0), pb.ActualPoint(step=2, value=2.0)],
        [pb.ActualPoint(timestamp=april, value=1.0), pb.ActualPoint(timestamp=april, value=2.0)],
    ):
        request = pb.SubmitActualsRequest(prediction_id=made.prediction_id, points=points)
        twice = await failure(predictions.SubmitActuals(request, metadata=ana.metadata))
        assert (twice.code, twice.fields) == (INVALID, ["points[1]"]), points
    distinct = [pb.ActualPoint(step=2, value=1.0), pb.ActualPoint(timestamp=april, value=2.0)]
    request = pb.SubmitActualsRequest(prediction_id=made.prediction_id, points=distinct)
    assert (await predictions.SubmitActuals(request, metadata=ana.metadata)).matched_points == 2


async def test_stats_count_stream_failures_and_hide_other_users_versions(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """error_count counts a failed StreamPredict message as it does a failed Predict; a version
    of another user's model is NOT_FOUND, as one of no model is, not zeros."""
    ana = await caller(application)
    bob = await caller(application, "bob")
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    theirs = await deploy_model(application, bob.user_id, artifacts[:1])
    series = air_values()[:36]

    def message(request_id: str, horizon: int) -> pb.StreamPredictRequest:
        return pb.StreamPredictRequest(
            request_id=request_id, model_id=model.model_id, horizon=horizon, lengths=[36], values=series
        )

    answers = await streamed(
        predictions, ana.metadata, message("ok", 3), message("long", 13), message("neg", -1)
    )
    assert [answers[r].error.code for r in ("ok", "long", "neg")] == [
        code_pb2.OK,
        code_pb2.INVALID_ARGUMENT,
        code_pb2.INVALID_ARGUMENT,
    ]
    await application.prediction.history.flush()  # type: ignore[union-attr]
    await application.prediction.predictor.failures.close()  # type: ignore[union-attr]
    stats = await predictions.GetPredictionStats(
        pb.GetPredictionStatsRequest(model_id=model.model_id, version_id=model.versions[0]),
        metadata=ana.metadata,
    )
    assert (stats.total.request_count, stats.total.error_count) == (1, 2)
    assert [(v.version_id, v.error_count) for v in stats.versions] == [(model.versions[0], 2)]

    foreign = await failure(
        predictions.GetPredictionStats(
            pb.GetPredictionStatsRequest(model_id=model.model_id, version_id=theirs.versions[0]),
            metadata=ana.metadata,
        )
    )
    assert foreign.code == grpc.StatusCode.NOT_FOUND and theirs.model_id not in foreign.message


async def test_stream_start_times_must_be_period_starts(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    series = air_values()[:24]
    request = pb.StreamPredictRequest(
        request_id="mid-month",
        model_id=model.model_id,
        horizon=3,
        lengths=[len(series), len(series)],
        values=[*series, *series],
        series_ids=["a", "b"],
        start_times=[stamp(datetime(1990, 1, 1, tzinfo=UTC)), stamp(datetime(1990, 1, 15, tzinfo=UTC))],
    )
    answers = await streamed(predictions, ana.metadata, request)
    assert answers["mid-month"].error.code == code_pb2.INVALID_ARGUMENT
    assert fields(answers["mid-month"].error) == ["start_times[1]"]
    assert "monthly period start" in answers["mid-month"].error.message


def test_a_dated_series_spanning_more_periods_than_allowed_names_its_timestamps() -> None:
    stamps = np.array(["2000-01-01", "2000-02-01", "2010-01-01"], dtype="datetime64[ns]")
    values = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    placed = on_periods(values, stamps, Frequency.MONTHLY, max_length=121)
    assert placed.size == 121 and placed[[0, 1, 120]].tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(placed[2:120]).all()
    with pytest.raises(InvalidArgument) as refused:
        on_periods(values, stamps, Frequency.MONTHLY, max_length=120)
    assert [v.field for v in refused.value.violations] == ["series.timestamps"]
