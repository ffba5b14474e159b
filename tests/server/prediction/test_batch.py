"""BatchPredict over a stored dataset: chunks, progress, the result file, resume, GetBatchJob."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

import grpc
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import dataset_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.model.conftest import failure
from tests.server.model.datasets import AIRPASSENGERS, store_dataset
from tests.server.prediction.conftest import Caller, Deployed, caller, deploy_model, direct

Stub = prediction_service_pb2_grpc.PredictionServiceStub


@pytest.fixture
def settings(backend_settings: Settings) -> Settings:
    """Every test here runs on both inference backends."""
    return backend_settings


def panel_csv(tmp_path: Path, count: int) -> Path:
    """``count`` monthly series: AirPassengers scaled."""
    air = pd.read_csv(AIRPASSENGERS)
    frames = []
    for i in range(count):
        frame = air.copy()
        frame["series_id"] = f"s{i:03d}"
        frame["value"] = frame["value"] * (1 + i / 10)
        frames.append(frame)
    path = tmp_path / "panel.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


async def interrupted(predictions: Stub, job_id: str, metadata: tuple[tuple[str, str], ...]) -> pb.BatchJob:
    """The job once its stream's end has marked it interrupted (or after 2.5 s, as it is then)."""
    job = (await predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=job_id), metadata=metadata)).job
    for _ in range(50):
        if job.state == pb.BATCH_JOB_STATE_INTERRUPTED:
            break
        await asyncio.sleep(0.05)
        job = (await predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=job_id), metadata=metadata)).job
    return job


async def cut_after_one_chunk(
    predictions: Stub, application: Application, artifacts: list[Path], csv: Path
) -> tuple[Caller, Deployed, str, pb.BatchJob]:
    """A job over ``csv`` in chunks of two series whose stream was cut after its first chunk, once
    marked interrupted: its caller, model, dataset id and job."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    dataset_id = await store_dataset(application, ana.user_id, csv)
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=3, chunk_size=2)
    call = predictions.BatchPredict(request, metadata=ana.metadata)
    job_id = (await call.read()).job_id
    assert (await call.read()).chunk.offset == 0
    call.cancel()
    job = await interrupted(predictions, job_id, ana.metadata)
    assert job.state == pb.BATCH_JOB_STATE_INTERRUPTED
    return ana, model, dataset_id, job


async def test_batch_predict_resume_and_result(
    predictions: Stub, application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    csv = panel_csv(tmp_path, 10)
    dataset_id = await store_dataset(application, ana.user_id, csv)
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=3, chunk_size=4)

    # The first stream stops after one chunk (a disconnect).
    call = predictions.BatchPredict(request, metadata=ana.metadata)
    first = await call.read()
    assert first.WhichOneof("payload") == "progress" and first.job_id
    job_id = first.job_id
    assert first.progress.series_total == 10 and first.progress.version_id == model.versions[0]
    chunk = await call.read()
    assert chunk.chunk.offset == 0 and len(chunk.chunk.series_ids) == 4
    call.cancel()

    job = await interrupted(predictions, job_id, ana.metadata)
    assert job.state == pb.BATCH_JOB_STATE_INTERRUPTED and job.offset >= 4

    # Resume from offset 2: series 2 and 3 are read back, the rest computed.
    resumed = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=job_id, offset=2), metadata=ana.metadata
        )
    ]
    assert resumed[0].progress.start_offset == 2
    chunks = [m.chunk for m in resumed if m.WhichOneof("payload") == "chunk"]
    assert chunks[0].offset == 2 and list(chunks[0].series_ids) == ["s002", "s003"]
    assert chunks[0].prediction_ids[0] == chunk.chunk.prediction_ids[2]
    ids = [s for c in chunks for s in c.series_ids]
    assert ids == [f"s{i:03d}" for i in range(2, 10)]
    for c in chunks:
        assert len(c.point_forecasts) == len(c.series_ids) * 3
        assert len(c.quantile_forecasts) == len(c.series_ids) * 3 * 3
    result = resumed[-1].result
    assert result.series_count == 10 and result.rows == 30 and result.version_id == model.versions[0]

    # The chunk values equal the model called directly on each series.
    air = pd.read_csv(csv)
    last = chunks[-1]
    values = air[air.series_id == last.series_ids[-1]]["value"].tolist()
    point, _ = direct(artifacts[0], values, 3, (0.1, 0.5, 0.9))
    got = np.array(last.point_forecasts).reshape(-1, 3)[-1]
    np.testing.assert_allclose(got, point[0], rtol=1e-4)  # type: ignore[index]

    table = pq.read_table(urlparse(result.output_uri).path).to_pandas()
    assert len(table) == 30 and list(table.columns) == [
        "series_id",
        "step",
        "timestamp",
        "point",
        "q0.1",
        "q0.5",
        "q0.9",
    ]
    assert table.iloc[-1]["point"] == np.float32(got[-1])

    done = (await predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=job_id), metadata=ana.metadata)).job
    assert done.state == pb.BATCH_JOB_STATE_SUCCEEDED and done.offset == 10 and done.result.rows == 30

    # A finished job resumed at its total returns just the result.
    tail = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=job_id, offset=10), metadata=ana.metadata
        )
    ]
    assert [m.WhichOneof("payload") for m in tail] == ["progress", "result"]

    bob = await caller(application, "bob")
    got_bob = await failure(
        predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=job_id), metadata=bob.metadata)
    )
    assert got_bob.code == grpc.StatusCode.NOT_FOUND
    mismatch = await failure(
        predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=job_id, horizon=5), metadata=ana.metadata
        ).read()
    )
    assert mismatch.code == grpc.StatusCode.FAILED_PRECONDITION


async def test_resuming_past_the_saved_chunks_still_computes_every_series(
    predictions: Stub, application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    ana, model, _, job = await cut_after_one_chunk(
        predictions, application, artifacts, panel_csv(tmp_path, 10)
    )
    job_id = job.job_id
    assert 2 <= job.offset < 9

    # The caller asks to resume at series 9, past what was saved: only series 9 is sent, but
    # the result still holds every series, each computed (and recorded) once.
    resumed = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=job_id, offset=9), metadata=ana.metadata
        )
    ]
    chunks = [m.chunk for m in resumed if m.WhichOneof("payload") == "chunk"]
    assert [(c.offset, list(c.series_ids)) for c in chunks] == [(9, ["s009"])]
    result = resumed[-1].result
    assert result.series_count == 10 and result.rows == 30
    table = pq.read_table(urlparse(result.output_uri).path).to_pandas()
    assert sorted(set(table.series_id)) == [f"s{i:03d}" for i in range(10)]

    await application.prediction.history.flush()  # type: ignore[union-attr]
    recorded = await predictions.ListPredictions(
        pb.ListPredictionsRequest(model_id=model.model_id, page_size=100), metadata=ana.metadata
    )
    assert sorted(p.series_id for p in recorded.predictions) == [f"s{i:03d}" for i in range(10)]


async def test_a_job_whose_dataset_was_deleted_fails_for_good(
    predictions: Stub,
    channel: grpc.aio.Channel,
    application: Application,
    artifacts: list[Path],
    tmp_path: Path,
) -> None:
    ana, _, dataset_id, job = await cut_after_one_chunk(
        predictions, application, artifacts, panel_csv(tmp_path, 6)
    )
    job_id = job.job_id
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    await datasets.DeleteDataset(
        dataset_pb.DeleteDatasetRequest(dataset_id=dataset_id), metadata=ana.metadata
    )
    resume = pb.BatchPredictRequest(job_id=job_id, offset=2)
    gone = await failure(predictions.BatchPredict(resume, metadata=ana.metadata).read())
    assert (gone.code, gone.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "BATCH_JOB_FAILED")
    assert "deleted" in gone.message

    # The job is recorded as failed, and says why, for GetBatchJob and for the next resume.
    job = (await predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=job_id), metadata=ana.metadata)).job
    assert job.state == pb.BATCH_JOB_STATE_FAILED and "dataset was deleted" in job.error
    again = await failure(predictions.BatchPredict(resume, metadata=ana.metadata).read())
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "BATCH_JOB_FAILED")
    assert "failed: the dataset was deleted" in again.message


async def test_a_forecast_ending_past_what_its_times_can_carry_names_horizon(
    predictions: Stub, application: Application, artifacts: list[Path], tmp_path: Path
) -> None:
    """AirPassengers moved to 2250-2261: a year ahead ends past 2262-04-11, where datetime64[ns]
    ends and the result's times wrapped round to 1678."""
    late = pd.read_csv(AIRPASSENGERS)
    late["timestamp"] = [f"{2250 + i // 12}-{i % 12 + 1:02d}-01" for i in range(len(late))]
    path = tmp_path / "late.csv"
    late.to_csv(path, index=False)
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    dataset_id = await store_dataset(application, ana.user_id, path)
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=12)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for _ in predictions.BatchPredict(request, metadata=ana.metadata):
            pass
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (refused.value.details() or "").startswith("horizon: the dataset's forecast would end after 2262")
