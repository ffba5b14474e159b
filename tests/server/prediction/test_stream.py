"""StreamPredict: many series per message, correlation by request_id, errors inside the stream."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from google.protobuf import timestamp_pb2
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.grpc_server import RunningServer
from server.settings import Settings
from tests.server.prediction.conftest import air_values, caller, deploy_model, direct

Stub = prediction_service_pb2_grpc.PredictionServiceStub


@pytest.fixture
def settings(backend_settings: Settings) -> Settings:
    """Every test here runs on both inference backends."""
    return backend_settings


def packed(
    request_id: str, model_id: str, series: list[list[float]], **fields: object
) -> pb.StreamPredictRequest:
    return pb.StreamPredictRequest(
        request_id=request_id,
        model_id=model_id,
        series_ids=[f"{request_id}-{i}" for i in range(len(series))],
        lengths=[len(s) for s in series],
        values=[v for s in series for v in s],
        **fields,  # type: ignore[arg-type]
    )


async def test_many_series_per_message_out_of_order_safe(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    air = air_values()
    rng = np.random.default_rng(0)
    requests = {}
    for r in range(20):
        count = int(rng.integers(1, 40))
        requests[f"r{r}"] = [air[: int(rng.integers(30, len(air)))] for _ in range(count)]
    # A bad request in the middle: its own error entry, the stream goes on.
    bad = pb.StreamPredictRequest(request_id="bad", model_id=model.model_id, lengths=[3], values=[1.0, 2.0])
    unknown = packed("ghost", "no-such-model", [[1.0, 2.0]])
    # A series with no observed value gets NaN rows; the others of its request are answered.
    gappy = packed("gappy", model.model_id, [air[:40], [math.nan] * 5, air[:50]], horizon=6)
    # Start times: each series' own; one past what the server's times hold (2262) is refused.
    monthly = {"frequency": common_pb2.FREQUENCY_MONTHLY, "horizon": 6}
    january_1949 = timestamp_pb2.Timestamp(seconds=-662_688_000)
    dated = packed("dated", model.model_id, [air[:40], air[:50]], start_times=[january_1949] * 2, **monthly)
    late = timestamp_pb2.Timestamp(seconds=16_725_225_600)  # 2500
    too_late = packed(
        "late", model.model_id, [air[:40], air[:50]], start_times=[january_1949, late], **monthly
    )
    long_id = packed("long", model.model_id, [air[:40], air[:50]])
    long_id.series_ids[1] = "s" * 257  # longer than the history stores

    async def send() -> AsyncIterator[pb.StreamPredictRequest]:
        for i, (request_id, series) in enumerate(requests.items()):
            yield packed(request_id, model.model_id, series, horizon=6, quantiles=[0.1, 0.5, 0.9])
            if i == 5:
                yield bad
                yield unknown
                yield gappy
                yield dated
                yield too_late
                yield long_id

    answers = {r.request_id: r async for r in predictions.StreamPredict(send(), metadata=ana.metadata)}
    assert set(answers) == {*requests, "bad", "ghost", "gappy", "dated", "late", "long"}
    rows = np.array(answers["gappy"].point_forecasts).reshape(3, 6)
    assert np.isnan(rows[1]).all() and not np.isnan(rows[[0, 2]]).any()
    point, _ = direct(artifacts[0], air[:50], 6, (0.1, 0.5, 0.9))
    np.testing.assert_allclose(rows[2], point[0], rtol=1e-5)  # type: ignore[index]

    error = answers["bad"].error
    assert error.code == code_pb2.INVALID_ARGUMENT and not answers["bad"].point_forecasts
    bad_request = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad_request) for d in error.details)
    assert [v.field for v in bad_request.field_violations] == ["values"]
    assert answers["ghost"].error.code == code_pb2.NOT_FOUND
    assert answers["dated"].error.code == code_pb2.OK and len(answers["dated"].point_forecasts) == 12
    assert answers["late"].error.code == code_pb2.INVALID_ARGUMENT and not answers["late"].point_forecasts
    assert any(d.Unpack(bad_request) for d in answers["late"].error.details)
    assert [v.field for v in bad_request.field_violations] == ["start_times[1]"]
    assert any(d.Unpack(bad_request) for d in answers["long"].error.details)
    assert [v.field for v in bad_request.field_violations] == ["series_ids[1]"]

    h, q = 6, 3
    for request_id, series in requests.items():
        answer = answers[request_id]
        assert answer.error.code == code_pb2.OK
        n = len(series)
        assert list(answer.series_ids) == [f"{request_id}-{i}" for i in range(n)]
        assert answer.horizon == h and list(answer.quantiles) == [0.1, 0.5, 0.9]
        assert len(answer.point_forecasts) == n * h and len(answer.quantile_forecasts) == n * h * q
        assert len(answer.prediction_ids) == n and answer.version_id == model.versions[0]
        for i in (0, n - 1):
            point, quantiles = direct(artifacts[0], series[i], h, (0.1, 0.5, 0.9))
            # Batched with other series the pass may round differently in the last bits.
            got_point = [answer.point_forecasts[i * h + s] for s in range(h)]
            np.testing.assert_allclose(got_point, point[0], rtol=1e-5)  # type: ignore[index]
            got_q = [[answer.quantile_forecasts[(i * h + s) * q + k] for k in range(q)] for s in range(h)]
            np.testing.assert_allclose(got_q, quantiles[0], rtol=1e-5)  # type: ignore[index]

    # Every series of the stream is recorded.
    await application.prediction.history.flush()  # type: ignore[union-attr]
    listed = await predictions.ListPredictions(
        pb.ListPredictionsRequest(source=pb.PREDICTION_SOURCE_STREAM, page_size=1000), metadata=ana.metadata
    )
    assert listed.total_size == sum(len(s) for s in requests.values()) + 5  # with "gappy" and "dated"
    some = answers["r3"].prediction_ids[0]
    stored = (
        await predictions.GetPrediction(pb.GetPredictionRequest(prediction_id=some), metadata=ana.metadata)
    ).prediction
    assert stored.series_id == "r3-0" and stored.source == pb.PREDICTION_SOURCE_STREAM and stored.horizon == h


@pytest.mark.parametrize("backend_settings", ["in-process"], indirect=True)  # held before any backend
async def test_flow_control_bounds_requests_in_flight(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    predictor = application.prediction.predictor  # type: ignore[union-attr]
    original = predictor.predict_packed
    release = asyncio.Event()
    running = peak = 0

    async def held(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        try:
            return await original(*args, **kwargs)
        finally:
            running -= 1

    predictor.predict_packed = held  # type: ignore[method-assign]
    total = 40

    async def send() -> AsyncIterator[pb.StreamPredictRequest]:
        for r in range(total):
            yield packed(f"r{r}", model.model_id, [[1.0, 2.0, 3.0]] * 5)

    call = predictions.StreamPredict(send(), metadata=ana.metadata)
    await asyncio.sleep(0.5)  # every request is sent; none can be answered yet
    assert peak == application.settings.prediction_stream_in_flight == 8
    release.set()
    answers = [r async for r in call]
    assert sorted(a.request_id for a in answers) == sorted(f"r{r}" for r in range(total))
    assert all(a.error.code == code_pb2.OK for a in answers) and peak == 8


@pytest.mark.parametrize("backend_settings", ["in-process"], indirect=True)  # the servicer's own rule
async def test_a_request_whose_pass_is_cancelled_under_it_is_answered_and_the_stream_ends(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """A CancelledError that came from the pass (not from the stream going away) ended the
    stream's reader: the stream ended as if complete, and that request was never answered."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    predictor = application.prediction.predictor  # type: ignore[union-attr]
    original = predictor.predict_packed

    async def cut_under(principal: Any, request: Any, started: float) -> Any:
        if request.series_ids[0].startswith("cut"):
            cancelled = asyncio.get_running_loop().create_future()
            cancelled.cancel()
            await cancelled  # as awaiting a pass that was cancelled does
        return await original(principal, request, started)

    predictor.predict_packed = cut_under  # type: ignore[method-assign]

    async def send() -> AsyncIterator[pb.StreamPredictRequest]:
        for request_id in ("before", "cut", "after"):
            yield packed(request_id, model.model_id, [[1.0, 2.0, 3.0]] * 2)

    async def answers() -> list[pb.StreamPredictResponse]:
        return [r async for r in predictions.StreamPredict(send(), metadata=ana.metadata)]

    codes = {a.request_id: a.error.code for a in await asyncio.wait_for(answers(), 30)}
    assert codes == {"before": code_pb2.OK, "cut": code_pb2.UNAVAILABLE, "after": code_pb2.OK}


@pytest.mark.parametrize("backend_settings", ["in-process"], indirect=True)  # refused before any backend
async def test_stream_needs_credentials(predictions: Stub, application: Application) -> None:
    # No message is written: the server ends the call before reading any, and a write racing
    # that end would fail on the client side instead.
    call = predictions.StreamPredict(iter(()))  # type: ignore[arg-type]
    try:
        [r async for r in call]
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    else:
        raise AssertionError("the stream was answered without credentials")


@pytest.mark.parametrize("backend_settings", ["in-process"], indirect=True)  # about the stream, not a backend
async def test_shutdown_answers_what_was_read_then_ends_with_unavailable(
    predictions: Stub, application: Application, artifacts: list[Path], running_server: RunningServer
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    air = air_values()
    outbox: asyncio.Queue[pb.StreamPredictRequest | None] = asyncio.Queue()

    async def send() -> AsyncIterator[pb.StreamPredictRequest]:
        while (request := await outbox.get()) is not None:
            yield request

    stream = predictions.StreamPredict(send(), metadata=ana.metadata)
    for r in range(5):
        outbox.put_nowait(packed(f"r{r}", model.model_id, [air[:60]] * 3, horizon=6))
    answered = [await stream.read() for _ in range(5)]
    assert {a.request_id for a in answered} == {f"r{r}" for r in range(5)}

    # The client keeps the stream open; shutdown must not wait out the grace period for it.
    started = asyncio.get_running_loop().time()
    stopping = asyncio.create_task(running_server.stop(grace=30))
    with pytest.raises(grpc.aio.AioRpcError) as ended:
        while (response := await stream.read()) is not grpc.aio.EOF:
            answered.append(response)
    await stopping
    assert asyncio.get_running_loop().time() - started < 10
    assert ended.value.code() is grpc.StatusCode.UNAVAILABLE
    info = error_details_pb2.ErrorInfo()
    status = rpc_status.from_call(ended.value)
    assert status is not None and any(d.Unpack(info) for d in status.details)
    assert info.reason == "SERVER_SHUTTING_DOWN"
    assert all(a.error.code == code_pb2.OK for a in answered)
    outbox.put_nowait(None)
