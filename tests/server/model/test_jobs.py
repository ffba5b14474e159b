"""Training jobs on the local pool: one active job per model, cancel, a crashed worker, a restart."""

from __future__ import annotations

import os
import signal

import grpc
from quantis.v1 import model_service_pb2 as pb
from quantis.v1 import model_service_pb2_grpc, monitoring_service_pb2_grpc
from quantis.v1 import monitoring_service_pb2 as monitoring_pb

from server.composition import Application, build_application
from server.grpc_server import create_server
from tests.server.model.conftest import analyst, failure, lstm_request, wait_for, watch

LONG = {"patience": pb.HyperparameterValue(int_value=200)}


def running_an_epoch(job: pb.TrainingJob) -> bool:
    return job.state == pb.TRAINING_JOB_STATE_RUNNING and job.progress.epoch >= 1


async def test_one_active_job_per_model_and_cancel(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    train = pb.TrainModelRequest(model_id=model.model_id, max_epochs=1000, hyperparameter_overrides=LONG)
    job = (await models.TrainModel(train, metadata=ana.metadata)).job
    assert job.max_epochs == 1000

    again = await failure(
        models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)
    )
    assert again.code == grpc.StatusCode.FAILED_PRECONDITION and again.reason == "TRAINING_JOB_ACTIVE"
    assert again.metadata["job_id"] == job.job_id

    await wait_for(models, job.job_id, ana.metadata, running_an_epoch)
    cancelled = (
        await models.CancelTrainingJob(pb.CancelTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata)
    ).job
    assert cancelled.state == pb.TRAINING_JOB_STATE_CANCELLED and cancelled.HasField("end_time")
    progress = await watch(models, job.job_id, ana.metadata)
    assert [p.state for p in progress] == [pb.TRAINING_JOB_STATE_CANCELLED]

    ended = await failure(
        models.CancelTrainingJob(pb.CancelTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata)
    )
    assert ended.code == grpc.StatusCode.FAILED_PRECONDITION and ended.reason == "TRAINING_JOB_ENDED"
    # The worker stops at its next boundary and leaves no version; the model trains again.
    quick = (
        await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)
    ).job
    assert (await watch(models, quick.job_id, ana.metadata))[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED
    versions = (
        await models.ListModelVersions(
            pb.ListModelVersionsRequest(model_id=model.model_id), metadata=ana.metadata
        )
    ).versions
    assert [v.training_job_id for v in versions] == [quick.job_id]


async def test_a_killed_worker_fails_the_job_with_the_reason(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    train = pb.TrainModelRequest(model_id=model.model_id, max_epochs=1000, hyperparameter_overrides=LONG)
    job = (await models.TrainModel(train, metadata=ana.metadata)).job
    running = await wait_for(models, job.job_id, ana.metadata, running_an_epoch)
    pid = int(running.worker.rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)

    progress = await watch(models, job.job_id, ana.metadata)
    assert progress[-1].state == pb.TRAINING_JOB_STATE_FAILED
    failed = (
        await models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata)
    ).job
    assert failed.error_message == f"worker process {pid} exited with signal 9"
    # A fresh pool takes the next job.
    quick = (
        await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)
    ).job
    assert (await watch(models, quick.job_id, ana.metadata))[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED


async def test_a_job_survives_a_server_restart(application: Application) -> None:
    ana = await analyst(application)
    first = await create_server(application.servicers, interceptors=application.interceptors)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{first.port}") as channel:
        models = model_service_pb2_grpc.ModelServiceStub(channel)
        model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
        job = (
            await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)
        ).job
    await first.stop(0)
    assert application.jobs is not None
    await application.jobs.stop()  # the server goes away before (or while) the job runs

    restarted = await build_application(application.settings)
    second = await create_server(restarted.servicers, interceptors=restarted.interceptors)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{second.port}") as channel:
            models = model_service_pb2_grpc.ModelServiceStub(channel)
            progress = await watch(models, job.job_id, ana.metadata)
            assert progress[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED
    finally:
        await second.stop(0)
        await restarted.close()


async def test_hyperparameter_search_reports_trials_and_keeps_the_best(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application, "searcher")
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    search = pb.HyperparameterSearch(n_trials=3, parameters=["learning_rate"])
    job = (
        await models.TrainModel(
            pb.TrainModelRequest(model_id=model.model_id, search=search), metadata=ana.metadata
        )
    ).job
    progress = await watch(models, job.job_id, ana.metadata)
    trials = [p.trial for p in progress if p.total_trials == 3]
    assert trials and max(trials) == 3, progress
    assert progress[-1].state == pb.TRAINING_JOB_STATE_SUCCEEDED
    finished = (
        await models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata)
    ).job
    version = (
        await models.GetModelVersion(
            pb.GetModelVersionRequest(version_id=finished.version_id), metadata=ana.metadata
        )
    ).version
    searched = version.hyperparameters["learning_rate"].double_value
    assert searched != 3e-3 and 1e-5 <= searched <= 1e-1  # chosen by the search, not the default
    assert version.hyperparameters["hidden_size"].int_value == 8  # not searched: kept as given


async def test_a_finished_job_notifies_its_owner_live(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application, channel: grpc.aio.Channel
) -> None:
    ana = await analyst(application, "notified")
    monitoring = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
    events = monitoring.WatchEvents(
        monitoring_pb.WatchEventsRequest(
            kinds=[monitoring_pb.EVENT_KIND_NOTIFICATION, monitoring_pb.EVENT_KIND_TRAINING_JOB]
        ),
        metadata=ana.metadata,
        timeout=120,
    )
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    job = (await models.TrainModel(pb.TrainModelRequest(model_id=model.model_id), metadata=ana.metadata)).job
    seen: dict[str, monitoring_pb.Event] = {}
    while len(seen) < 2:
        response = await events.read()
        kind = response.event.WhichOneof("payload")
        if kind in ("notification", "training_job"):
            seen[str(kind)] = response.event
    events.cancel()
    assert seen["training_job"].training_job.job_id == job.job_id
    assert seen["training_job"].training_job.state == monitoring_pb.TRAINING_JOB_EVENT_STATE_SUCCEEDED
    assert seen["training_job"].training_job.version_id
    assert seen["notification"].notification.resource_id == job.job_id
    stored = await monitoring.ListNotifications(
        monitoring_pb.ListNotificationsRequest(), metadata=ana.metadata
    )
    assert [n.title for n in stored.notifications] == ["Training job succeeded"]
