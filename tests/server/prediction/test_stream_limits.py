"""Answers that would not fit a message: BatchPredict cuts its chunks smaller, StreamPredict
answers the request with an error and goes on. The server here has a 256 KiB message limit."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pandas as pd
import pytest
from quantis.v1 import prediction_service_pb2 as pb
from quantis.v1 import prediction_service_pb2_grpc

from server.composition import Application
from server.db.enums import ModelType
from server.grpc_server import RunningServer, create_server
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from server.settings import Settings
from tests.server.conftest import make_settings
from tests.server.model.datasets import AIRPASSENGERS, store_dataset
from tests.server.prediction.conftest import METRICS, caller, deploy_model
from training import Panel, create_forecaster, save_artifact

Stub = prediction_service_pb2_grpc.PredictionServiceStub
LIMIT = 256 << 10
LEVELS = [round(0.05 * i, 2) for i in range(1, 20)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, max_message_bytes=LIMIT)


@pytest.fixture
async def running_server(
    application: Application, servicers: Servicers, interceptors: list[WrappingInterceptor]
) -> AsyncIterator[RunningServer]:
    running = await create_server(
        servicers, interceptors=interceptors, port=0, max_message_bytes=application.settings.max_message_bytes
    )
    try:
        yield running
    finally:
        await running.stop(0)


@pytest.fixture
def naive(tmp_path: Path) -> list[Path]:
    panel = Panel.from_long(pd.read_csv(AIRPASSENGERS), "monthly")
    model = create_forecaster("SEASONAL_NAIVE")
    model.fit(panel, 12)
    return [save_artifact(model, tmp_path / "naive", panel, {"validation": METRICS})]


async def test_batch_chunks_are_cut_to_fit_the_message_limit(
    predictions: Stub, application: Application, naive: list[Path], tmp_path: Path
) -> None:
    """40 series of 100 steps and 19 levels: the 40 of one chunk would be 320 KB."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, naive, model_type=ModelType.SEASONAL_NAIVE)
    air = pd.read_csv(AIRPASSENGERS)
    csv = tmp_path / "panel.csv"
    pd.concat([air.assign(series_id=f"s{i:03d}") for i in range(40)]).to_csv(csv, index=False)
    dataset_id = await store_dataset(application, ana.user_id, csv)
    request = pb.BatchPredictRequest(
        dataset_id=dataset_id, model_id=model.model_id, horizon=100, quantiles=LEVELS, chunk_size=40
    )
    messages = [m async for m in predictions.BatchPredict(request, metadata=ana.metadata)]

    chunks = [m.chunk for m in messages if m.WhichOneof("payload") == "chunk"]
    assert len(chunks) >= 2 and all(m.ByteSize() <= LIMIT for m in messages)
    offsets = [c.offset for c in chunks]
    assert offsets == [sum(len(c.series_ids) for c in chunks[:i]) for i in range(len(chunks))]
    assert [s for c in chunks for s in c.series_ids] == [f"s{i:03d}" for i in range(40)]
    assert messages[-1].result.series_count == 40

    # A finished job's chunks, read back, are cut the same way.
    again = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=messages[0].job_id, offset=0), metadata=ana.metadata
        )
    ]
    assert [m.chunk.offset for m in again if m.WhichOneof("payload") == "chunk"] == offsets


async def test_a_stream_request_whose_answer_is_too_large_gets_an_error_and_the_stream_goes_on(
    predictions: Stub, application: Application, naive: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, naive, model_type=ModelType.SEASONAL_NAIVE)
    values = [float(v) for v in pd.read_csv(AIRPASSENGERS)["value"]][:24]

    def request(request_id: str, n: int, horizon: int) -> pb.StreamPredictRequest:
        return pb.StreamPredictRequest(
            request_id=request_id,
            model_id=model.model_id,
            horizon=horizon,
            quantiles=LEVELS,
            lengths=[24] * n,
            values=values * n,
        )

    async def requests() -> AsyncIterator[pb.StreamPredictRequest]:
        for r in (request("small1", 1, 6), request("big", 40, 100), request("small2", 2, 6)):
            yield r

    answers = {a.request_id: a async for a in predictions.StreamPredict(requests(), metadata=ana.metadata)}
    assert set(answers) == {"small1", "big", "small2"}
    big = answers["big"]
    assert big.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert f"over the {LIMIT}-byte message limit" in big.error.message and not big.point_forecasts
    assert not big.prediction_ids  # refused before anything was forecast or recorded
    small = answers["small2"]
    assert small.error.code == 0 and len(small.point_forecasts) == 12
    assert not any(math.isnan(v) for v in small.point_forecasts)
