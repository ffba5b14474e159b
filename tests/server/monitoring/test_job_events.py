"""WatchEvents carries every state change of the caller's training jobs, once each and in order,
and none of another user's (on the embedded defaults and on PostgreSQL with Redis)."""

from __future__ import annotations

import asyncio

import grpc
from quantis.v1 import model_service_pb2 as model_pb
from quantis.v1 import model_service_pb2_grpc
from quantis.v1 import monitoring_service_pb2 as pb

from server.composition import Application
from tests.server.model.conftest import analyst, lstm_request
from tests.server.monitoring.test_monitoring import Stub

Stream = grpc.aio.UnaryStreamCall[pb.WatchEventsRequest, pb.WatchEventsResponse]
FINAL = {
    pb.TRAINING_JOB_EVENT_STATE_SUCCEEDED,
    pb.TRAINING_JOB_EVENT_STATE_FAILED,
    pb.TRAINING_JOB_EVENT_STATE_CANCELLED,
}


async def opened(monitoring: Stub, metadata: tuple[tuple[str, str], ...]) -> Stream:
    """A WatchEvents stream, once its first heartbeat shows it is subscribed."""
    stream: Stream = monitoring.WatchEvents(pb.WatchEventsRequest(), metadata=metadata)
    first = await asyncio.wait_for(stream.read(), 5)
    assert first.event.WhichOneof("payload") == "heartbeat"  # type: ignore[union-attr]
    return stream


async def job_events(
    stream: Stream, job_id: str, limit: float, until: set[int] = FINAL
) -> list[pb.TrainingJobEvent]:
    """The job's events until one in state ``until`` (then whatever else arrives within a second)."""
    loop = asyncio.get_running_loop()
    deadline, found = loop.time() + limit, []
    while loop.time() < deadline:
        response = await asyncio.wait_for(stream.read(), 5)
        event = response.event  # type: ignore[union-attr]
        if event.WhichOneof("payload") == "training_job" and event.training_job.job_id == job_id:
            found.append(event.training_job)
            if event.training_job.state in until:
                deadline = min(deadline, loop.time() + (1.0 if until is FINAL else 0.0))
    return found


async def trained_in_order(
    monitoring: Stub, models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    """Ana's stream gets her job's QUEUED, RUNNING and SUCCEEDED once each; Oscar's none of them."""
    ana, oscar = await analyst(application, "ana"), await analyst(application, "oscar")
    mine, others = await opened(monitoring, ana.metadata), await opened(monitoring, oscar.metadata)
    try:
        model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
        request = model_pb.TrainModelRequest(model_id=model.model_id, seed=3, max_epochs=2)
        job = (await models.TrainModel(request, metadata=ana.metadata)).job

        seen = await job_events(mine, job.job_id, limit=120)
        assert [e.state for e in seen] == [
            pb.TRAINING_JOB_EVENT_STATE_QUEUED,
            pb.TRAINING_JOB_EVENT_STATE_RUNNING,
            pb.TRAINING_JOB_EVENT_STATE_SUCCEEDED,
        ]
        assert {e.model_id for e in seen} == {model.model_id}
        assert seen[-1].version_id and not seen[0].version_id and not seen[1].version_id
        assert await job_events(others, job.job_id, limit=1.0) == []
    finally:
        mine.cancel()
        others.cancel()


async def test_watch_events_carries_each_state_of_the_callers_job_once_in_order(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    await trained_in_order(monitoring, model_service_pb2_grpc.ModelServiceStub(channel), application)


async def test_watch_events_carries_a_cancelled_jobs_states(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    ana = await analyst(application, "ana")
    stream = await opened(monitoring, ana.metadata)
    try:
        model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
        request = model_pb.TrainModelRequest(model_id=model.model_id, seed=3, max_epochs=500)
        job = (await models.TrainModel(request, metadata=ana.metadata)).job
        running = {pb.TRAINING_JOB_EVENT_STATE_RUNNING}
        seen = await job_events(stream, job.job_id, limit=60, until=running)
        await models.CancelTrainingJob(
            model_pb.CancelTrainingJobRequest(job_id=job.job_id), metadata=ana.metadata
        )
        seen += await job_events(stream, job.job_id, limit=60)
        assert [e.state for e in seen] == [
            pb.TRAINING_JOB_EVENT_STATE_QUEUED,
            pb.TRAINING_JOB_EVENT_STATE_RUNNING,
            pb.TRAINING_JOB_EVENT_STATE_CANCELLED,
        ]
    finally:
        stream.cancel()
