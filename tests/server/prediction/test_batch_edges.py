"""BatchPredict: a series with no observed value, chunks cut to the message limit, the default
version, a dataset of another frequency, the time a job has run, and a model deleted under a
running job."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import pandas as pd
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from quantis.v1 import model_service_pb2 as model_pb
from quantis.v1 import model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.enums import Frequency, ModelType
from server.domain.prediction.batch_files import Chunk, JobFiles
from server.domain.prediction.batch_records import BatchJobRecords
from server.settings import Settings
from tests.server.model.conftest import failure
from tests.server.model.datasets import AIRPASSENGERS, store_dataset
from tests.server.prediction.conftest import METRICS, Caller, Deployed, caller, deploy_model
from training import Panel, create_forecaster, save_artifact

Stub = prediction_service_pb2_grpc.PredictionServiceStub


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    """Both databases: the job's row is what these tests are about."""
    return backing_settings


@pytest.fixture
def naive(tmp_path: Path) -> list[Path]:
    """Two seasonal-naive versions on AirPassengers (fitted instantly)."""
    panel = Panel.from_long(pd.read_csv(AIRPASSENGERS), "monthly")
    paths = []
    for n in (1, 2):
        model = create_forecaster("SEASONAL_NAIVE")
        model.fit(panel, 12)
        paths.append(save_artifact(model, tmp_path / f"naive{n}", panel, {"validation": METRICS}))
    return paths


def monthly_csv(tmp_path: Path, count: int, empty: tuple[int, ...] = (), freq: str = "MS") -> Path:
    """``count`` series s000.. of 24 values; those in ``empty`` have no observed value."""
    stamps = pd.date_range("1950-01-01", periods=24, freq=freq)
    frames = [
        pd.DataFrame(
            {
                "series_id": f"s{i:03d}",
                "timestamp": stamps,
                "value": float("nan") if i in empty else [100.0 + i + k for k in range(24)],
            }
        )
        for i in range(count)
    ]
    path = tmp_path / f"panel-{count}-{freq}.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


async def test_a_series_with_no_observed_value_keeps_its_place_with_nan_rows(
    predictions: Stub, application: Application, naive: list[Path], tmp_path: Path
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, naive[:1], model_type=ModelType.SEASONAL_NAIVE)
    dataset_id = await store_dataset(application, ana.user_id, monthly_csv(tmp_path, 3, empty=(1,)))
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=2, chunk_size=2)
    messages = [m async for m in predictions.BatchPredict(request, metadata=ana.metadata)]

    chunks = [m.chunk for m in messages if m.WhichOneof("payload") == "chunk"]
    assert [(c.offset, list(c.series_ids)) for c in chunks] == [(0, ["s000", "s001"]), (2, ["s002"])]
    first = chunks[0].point_forecasts
    assert not math.isnan(first[0]) and all(math.isnan(v) for v in first[2:4])
    assert all(math.isnan(v) for v in chunks[0].quantile_forecasts[2 * 3 :])
    assert not any(math.isnan(v) for v in chunks[1].point_forecasts)
    assert all(len(c.prediction_ids) == len(c.series_ids) for c in chunks)
    result = messages[-1].result
    assert (result.series_count, result.rows) == (3, 6)
    job = (
        await predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=messages[0].job_id), metadata=ana.metadata)
    ).job
    assert job.state == pb.BATCH_JOB_STATE_SUCCEEDED and job.offset == 3


async def test_without_a_version_the_default_answers_not_the_split(
    predictions: Stub, application: Application, naive: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(
        application, ana.user_id, naive, split={0: 10, 1: 90}, default=0, model_type=ModelType.SEASONAL_NAIVE
    )
    dataset_id = await store_dataset(application, ana.user_id)
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=2)
    for _ in range(3):  # the split would choose the default each time once in 1,000 runs
        messages = [m async for m in predictions.BatchPredict(request, metadata=ana.metadata)]
        assert messages[0].progress.version_id == model.versions[0]
        assert messages[-1].result.version_id == model.versions[0]


async def test_a_dataset_of_another_frequency_is_refused(
    predictions: Stub, application: Application, naive: list[Path], tmp_path: Path
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, naive[:1], model_type=ModelType.SEASONAL_NAIVE)
    daily = monthly_csv(tmp_path, 2, freq="D")
    dataset_id = await store_dataset(application, ana.user_id, daily, frequency=Frequency.DAILY)
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=2)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await predictions.BatchPredict(request, metadata=ana.metadata).read()
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert dataset_id in (raised.value.details() or "") and "daily" in (raised.value.details() or "")
    status = rpc_status.from_call(raised.value)
    assert status is not None
    reasons, subjects = [], []
    for detail in status.details:
        info, violations = error_details_pb2.ErrorInfo(), error_details_pb2.PreconditionFailure()
        if detail.Unpack(info):
            reasons.append(info.reason)
        elif detail.Unpack(violations):
            subjects += [v.subject for v in violations.violations]
    assert (reasons, subjects) == (["FREQUENCY_MISMATCH"], [dataset_id])


async def test_elapsed_and_duration_count_only_the_time_the_job_ran(
    predictions: Stub, application: Application, naive: list[Path], tmp_path: Path
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, naive[:1], model_type=ModelType.SEASONAL_NAIVE)
    dataset_id = await store_dataset(application, ana.user_id, monthly_csv(tmp_path, 4))
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=2, chunk_size=2)

    began = time.monotonic()
    call = predictions.BatchPredict(request, metadata=ana.metadata)
    job_id = (await call.read()).job_id
    assert (await call.read()).chunk.offset == 0
    call.cancel()
    for _ in range(50):  # until its stream's end has stopped the job
        job = (await predictions.GetBatchJob(pb.GetBatchJobRequest(job_id=job_id), metadata=ana.metadata)).job
        if job.state == pb.BATCH_JOB_STATE_INTERRUPTED:
            break
        await asyncio.sleep(0.05)
    first_stream = time.monotonic() - began

    await asyncio.sleep(1.5)  # idle: not running
    began = time.monotonic()
    resumed = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=job_id, offset=2), metadata=ana.metadata
        )
    ]
    second_stream = time.monotonic() - began
    duration = resumed[-1].result.duration.ToTimedelta().total_seconds()
    assert resumed[0].progress.elapsed.ToTimedelta().total_seconds() <= first_stream + 0.05
    assert 0 < duration <= first_stream + second_stream + 0.05

    await asyncio.sleep(1.0)  # finished: its time no longer grows
    again = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(job_id=job_id, offset=4), metadata=ana.metadata
        )
    ]
    assert again[0].progress.elapsed == resumed[-1].result.duration == again[-1].result.duration


@dataclass(frozen=True)
class Deletable:
    """A caller's model and a dataset of 4 series to run batch jobs of it on, and how to delete it."""

    caller: Caller
    model: Deployed
    dataset_id: str
    models: model_service_pb2_grpc.ModelServiceStub

    async def delete_model(self) -> None:
        request = model_pb.DeleteModelRequest(model_id=self.model.model_id)
        await self.models.DeleteModel(request, metadata=self.caller.metadata)


@pytest.fixture
async def deletable(
    channel: grpc.aio.Channel, application: Application, naive: list[Path], tmp_path: Path
) -> Deletable:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, naive[:1], model_type=ModelType.SEASONAL_NAIVE)
    dataset_id = await store_dataset(application, ana.user_id, monthly_csv(tmp_path, 4))
    models = model_service_pb2_grpc.ModelServiceStub(channel)  # type: ignore[no-untyped-call]
    return Deletable(ana, model, dataset_id, models)


async def test_a_job_whose_model_is_deleted_while_it_runs_ends_not_found(
    predictions: Stub, application: Application, deletable: Deletable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting the model deletes its jobs with it: the stream running one ended INTERNAL (the
    job's row was gone when the next chunk was counted, or when the job was marked done). The
    files of its jobs go too, the finished one's and the running one's (whose chunk was being
    saved as the model went)."""
    ana, model, dataset_id = deletable.caller, deletable.model, deletable.dataset_id
    jobs = application.settings.object_store_dir / "batch_jobs"
    finished = [
        m
        async for m in predictions.BatchPredict(
            pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=2),
            metadata=ana.metadata,
        )
    ]
    assert (jobs / finished[0].job_id).is_dir()
    saving, deleted = threading.Event(), threading.Event()
    save_chunk = JobFiles.save_chunk

    def held_save(files: JobFiles, job_id: str, chunk: Chunk) -> None:
        if chunk.offset > 0:  # the second chunk waits (in its thread) until the model is deleted
            saving.set()
            assert deleted.wait(30)
        save_chunk(files, job_id, chunk)

    monkeypatch.setattr(JobFiles, "save_chunk", held_save)
    request = pb.BatchPredictRequest(dataset_id=dataset_id, model_id=model.model_id, horizon=2, chunk_size=2)
    call = predictions.BatchPredict(request, metadata=ana.metadata)
    job_id = (await call.read()).job_id
    assert await asyncio.to_thread(saving.wait, 30)
    await deletable.delete_model()
    deleted.set()

    async def rest() -> None:
        while await call.read() is not grpc.aio.EOF:
            pass

    gone = await failure(rest())
    assert (gone.code, gone.message) == (grpc.StatusCode.NOT_FOUND, f"batch job {job_id!r} not found")
    assert not (jobs / finished[0].job_id).exists()
    assert not (jobs / job_id).exists()


async def test_a_job_whose_model_is_deleted_as_it_starts_is_not_found(
    predictions: Stub, deletable: Deletable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The routing is read before the job's row is written: a model deleted in between failed
    the insert on its foreign key (INTERNAL)."""
    target = BatchJobRecords.target

    async def deleted_meanwhile(records: BatchJobRecords, model_id: str) -> str:
        found = await target(records, model_id)
        await deletable.delete_model()
        return found

    monkeypatch.setattr(BatchJobRecords, "target", deleted_meanwhile)
    model_id = deletable.model.model_id
    request = pb.BatchPredictRequest(dataset_id=deletable.dataset_id, model_id=model_id, horizon=2)
    gone = await failure(predictions.BatchPredict(request, metadata=deletable.caller.metadata).read())
    assert (gone.code, gone.message) == (grpc.StatusCode.NOT_FOUND, f"model {model_id!r} not found")
