"""DeleteDataset while a training job of a model on it is queued, running or searching: refused,
naming the job and its model, until the job is cancelled; then the dataset goes, whole, and the
cancelled jobs leave no version and no file behind.

The deletion was accepted: a running job went on to create a READY version from the deleted
dataset, and a queued one waited for a worker only to fail."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import dataset_service_pb2_grpc, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.model.conftest import Analyst, analyst, failure, lstm_request, wait_for
from tests.server.model.datasets import store_dataset
from tests.server.model.test_races import Meanwhile, new_model, pause_after_reading

FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
# A run that only a cancellation ends.
LONG = {"patience": pb.HyperparameterValue(int_value=200)}


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def training(job: pb.TrainingJob) -> bool:
    """Running an epoch, or a search trial's."""
    return job.state == pb.TRAINING_JOB_STATE_RUNNING and (
        job.progress.epoch >= 1 or job.progress.total_trials > 0
    )


async def long_job(
    models: model_service_pb2_grpc.ModelServiceStub,
    ana: Analyst,
    dataset_id: str,
    search: pb.HyperparameterSearch | None = None,
) -> tuple[str, str]:
    """A model on ``dataset_id`` and its queued training job that only a cancellation ends."""
    model = (await models.CreateModel(lstm_request(dataset_id), metadata=ana.metadata)).model
    request = pb.TrainModelRequest(
        model_id=model.model_id, max_epochs=1000, hyperparameter_overrides=LONG, search=search
    )
    job = (await models.TrainModel(request, metadata=ana.metadata)).job
    return model.model_id, job.job_id


async def refused_then_deleted(
    models: model_service_pb2_grpc.ModelServiceStub,
    datasets: dataset_service_pb2_grpc.DatasetServiceStub,
    ana: Analyst,
    dataset_id: str,
    model_id: str,
    job_id: str,
) -> None:
    """DeleteDataset is refused while the job is active, and leaves the dataset whole; once the
    job is cancelled it deletes, and the model trains no more."""
    delete = dataset_pb.DeleteDatasetRequest(dataset_id=dataset_id)
    refused = await failure(datasets.DeleteDataset(delete, metadata=ana.metadata))
    assert (refused.code, refused.reason) == (FAILED_PRECONDITION, "TRAINING_JOB_ACTIVE"), refused
    assert refused.metadata == {"job_id": job_id, "model_id": model_id}, refused
    assert job_id in refused.message and "CancelTrainingJob" in refused.message, refused
    get = dataset_pb.GetDatasetRequest(dataset_id=dataset_id)
    assert (await datasets.GetDataset(get, metadata=ana.metadata)).dataset.dataset_id == dataset_id
    chunks = [
        m
        async for m in datasets.DownloadDataset(
            dataset_pb.DownloadDatasetRequest(dataset_id=dataset_id), metadata=ana.metadata
        )
    ]
    assert sum(len(m.chunk) for m in chunks) == chunks[0].total_size > 0

    await models.CancelTrainingJob(pb.CancelTrainingJobRequest(job_id=job_id), metadata=ana.metadata)
    await datasets.DeleteDataset(delete, metadata=ana.metadata)
    gone = await failure(datasets.GetDataset(get, metadata=ana.metadata))
    assert gone.code == grpc.StatusCode.NOT_FOUND
    again = await failure(models.TrainModel(pb.TrainModelRequest(model_id=model_id), metadata=ana.metadata))
    assert (again.code, again.reason) == (FAILED_PRECONDITION, "DATASET_DELETED"), again


async def test_a_dataset_in_training_is_not_deleted_under_its_job(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application, channel: grpc.aio.Channel
) -> None:
    ana = await analyst(application)
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    root = application.settings.object_store_dir
    queued_on = await store_dataset(application, ana.user_id)
    searched_on = await store_dataset(application, ana.user_id)

    # The one worker trains on the analyst's dataset; a job on another waits behind it.
    running_model, running_job = await long_job(models, ana, ana.dataset_id)
    await wait_for(models, running_job, ana.metadata, training)
    queued_model, queued_job = await long_job(models, ana, queued_on)
    await refused_then_deleted(models, datasets, ana, queued_on, queued_model, queued_job)
    await refused_then_deleted(models, datasets, ana, ana.dataset_id, running_model, running_job)

    # A search in the middle of a trial.
    search = pb.HyperparameterSearch(n_trials=5, parameters=["hidden_size"])
    searched_model, searched_job = await long_job(models, ana, searched_on, search=search)
    await wait_for(models, searched_job, ana.metadata, training)
    await refused_then_deleted(models, datasets, ana, searched_on, searched_model, searched_job)

    # No version, and, once the worker has stopped, no file: neither the datasets' nor a version's.
    for model_id in (running_model, queued_model, searched_model):
        listed = await models.ListModelVersions(
            pb.ListModelVersionsRequest(model_id=model_id), metadata=ana.metadata
        )
        assert list(listed.versions) == []
    for _ in range(100):
        if not stored_files(root):
            break
        await asyncio.sleep(0.2)
    assert stored_files(root) == []


async def test_train_meeting_delete_dataset_is_one_or_the_other(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application, channel: grpc.aio.Channel
) -> None:
    """A TrainModel that has locked its model holds a DeleteDataset of its dataset up until the
    job is queued, which the deletion then sees; a DeleteDataset that has locked the dataset's
    models holds the TrainModel up until the dataset is gone, which it then sees. Neither waits
    for the other forever (a deadlock on PostgreSQL) nor leaves a job on a deleted dataset."""
    ana = await analyst(application)
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    delete = dataset_pb.DeleteDatasetRequest(dataset_id=ana.dataset_id)
    train = pb.TrainModelRequest(model_id=await new_model(models, ana))

    meanwhile = Meanwhile()
    deleting = lambda: meanwhile.run(lambda: datasets.DeleteDataset(delete, metadata=ana.metadata))  # noqa: E731
    with pause_after_reading(application, "models", deleting):
        job = (await models.TrainModel(train, metadata=ana.metadata)).job
    assert await meanwhile.codes() == [FAILED_PRECONDITION]
    await wait_for(models, job.job_id, ana.metadata, lambda j: j.state == pb.TRAINING_JOB_STATE_SUCCEEDED)

    meanwhile = Meanwhile()
    training_it = lambda: meanwhile.run(lambda: models.TrainModel(train, metadata=ana.metadata))  # noqa: E731
    with pause_after_reading(application, "models", training_it):
        await datasets.DeleteDataset(delete, metadata=ana.metadata)
    assert await meanwhile.codes() == [FAILED_PRECONDITION]
    jobs = await models.ListTrainingJobs(pb.ListTrainingJobsRequest(), metadata=ana.metadata)
    assert [j.job_id for j in jobs.jobs] == [job.job_id]
