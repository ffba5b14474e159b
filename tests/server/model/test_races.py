"""Calls on one model (or its dataset) that meet: a deletion in the middle of a deployment, a
training run or a creation is NOT_FOUND or lands whole, never INTERNAL, and concurrent
deployments leave the one that committed last, whole.

Each race is made certain: the call under test is paused right after it has read the row it
relies on, and the other call runs then, given a moment to finish unless a lock the first call
holds makes it wait."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from quantis.v1 import common_pb2, dataset_service_pb2, dataset_service_pb2_grpc, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb
from sqlalchemy import event

from server.composition import Application
from server.db.enums import JobState
from server.db.models import ModelVersion, TrainingJob
from server.settings import Settings
from tests.server.model.conftest import Analyst, analyst, lstm_request

OK = grpc.StatusCode.OK
NOT_FOUND = grpc.StatusCode.NOT_FOUND
# Long enough for the other call to finish when nothing holds it up.
GRACE_SECONDS = 1.5


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


async def code_of(call: Awaitable[Any]) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() is not grpc.StatusCode.INTERNAL, error.details()
        return error.code()
    return OK


class Meanwhile:
    """Calls started on the event loop from inside a domain function (a worker thread)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._futures: list[concurrent.futures.Future[grpc.StatusCode]] = []

    def run(self, make: Callable[[], Awaitable[Any]]) -> None:
        async def call() -> grpc.StatusCode:  # the call is made on the loop, not in this thread
            return await code_of(make())

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        self._futures.append(future)
        # Held up by a lock of the paused call, it finishes once that call commits.
        with contextlib.suppress(concurrent.futures.TimeoutError):
            future.result(timeout=GRACE_SECONDS)

    async def codes(self) -> list[grpc.StatusCode]:
        return [await asyncio.wrap_future(future) for future in self._futures]


@contextmanager
def pause_after_reading(
    application: Application, table: str, meanwhile: Callable[[], None]
) -> Iterator[None]:
    """The first SELECT from ``table`` (the call under test reading its row) runs ``meanwhile``
    before the caller sees its result."""
    reads = re.compile(rf"^\s*SELECT\b.*\bFROM {table}\b", re.DOTALL)
    fired: list[bool] = []

    def paused(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not fired and reads.match(statement):
            fired.append(True)
            meanwhile()

    event.listen(application.db.engine, "after_cursor_execute", paused)
    try:
        yield
    finally:
        event.remove(application.db.engine, "after_cursor_execute", paused)
    assert fired, f"nothing read {table}"


def naive_request(dataset_id: str) -> pb.CreateModelRequest:
    request = lstm_request(dataset_id, type=common_pb2.MODEL_TYPE_SEASONAL_NAIVE)
    request.ClearField("hyperparameters")
    request.ClearField("quantiles")
    return request


async def ready_versions(application: Application, model_id: str, owner_id: str, count: int) -> list[str]:
    """``count`` READY versions of ``model_id``, each from a SUCCEEDED job of its own."""

    def insert(session: Any) -> list[str]:
        ids = []
        for number in range(1, count + 1):
            job = TrainingJob(model_id=model_id, owner_id=owner_id, state=JobState.SUCCEEDED, config={})
            session.add(job)
            session.flush()
            version = ModelVersion(
                model_id=model_id, number=number, artifact_path="models/none", training_job_id=job.id
            )
            session.add(version)
            session.flush()
            ids.append(version.id)
        return ids

    return await application.db.run(insert)  # type: ignore[no-any-return]


async def new_model(models: model_service_pb2_grpc.ModelServiceStub, ana: Analyst) -> str:
    return (await models.CreateModel(naive_request(ana.dataset_id), metadata=ana.metadata)).model.model_id


async def assert_gone(models: model_service_pb2_grpc.ModelServiceStub, ana: Analyst, model_id: str) -> None:
    gone = await code_of(models.GetModel(pb.GetModelRequest(model_id=model_id), metadata=ana.metadata))
    assert gone is NOT_FOUND


async def test_deploy_meeting_delete_model_is_not_found_or_done(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    model_id = await new_model(models, ana)
    [version_id] = await ready_versions(application, model_id, ana.user_id, 1)
    meanwhile = Meanwhile()
    delete = pb.DeleteModelRequest(model_id=model_id)
    request = pb.DeployModelVersionRequest(model_id=model_id, version_id=version_id)
    with pause_after_reading(
        application,
        "models",
        lambda: meanwhile.run(lambda: models.DeleteModel(delete, metadata=ana.metadata)),
    ):
        deployed = await code_of(models.DeployModelVersion(request, metadata=ana.metadata))
    assert deployed in (OK, NOT_FOUND)
    assert await meanwhile.codes() == [OK]
    await assert_gone(models, ana, model_id)


async def test_train_meeting_delete_model_is_not_found_or_cancelled(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    model_id = await new_model(models, ana)
    meanwhile = Meanwhile()
    delete = pb.DeleteModelRequest(model_id=model_id)
    with pause_after_reading(
        application,
        "models",
        lambda: meanwhile.run(lambda: models.DeleteModel(delete, metadata=ana.metadata)),
    ):
        trained = await code_of(
            models.TrainModel(pb.TrainModelRequest(model_id=model_id), metadata=ana.metadata)
        )
    assert trained in (OK, NOT_FOUND)
    assert await meanwhile.codes() == [OK]
    await assert_gone(models, ana, model_id)
    jobs = await models.ListTrainingJobs(pb.ListTrainingJobsRequest(model_id=model_id), metadata=ana.metadata)
    assert list(jobs.jobs) == []


async def test_create_meeting_delete_dataset_is_not_found_or_done(
    models: model_service_pb2_grpc.ModelServiceStub,
    channel: grpc.aio.Channel,
    application: Application,
) -> None:
    ana = await analyst(application)
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    meanwhile = Meanwhile()
    delete = dataset_service_pb2.DeleteDatasetRequest(dataset_id=ana.dataset_id)
    with pause_after_reading(
        application,
        "datasets",
        lambda: meanwhile.run(lambda: datasets.DeleteDataset(delete, metadata=ana.metadata)),
    ):
        created = await code_of(models.CreateModel(naive_request(ana.dataset_id), metadata=ana.metadata))
    assert created in (OK, NOT_FOUND)
    assert await meanwhile.codes() == [OK]
    # Now that the dataset is gone, a creation on it names it.
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await models.CreateModel(naive_request(ana.dataset_id), metadata=ana.metadata)
    assert raised.value.code() is NOT_FOUND and ana.dataset_id in (raised.value.details() or "")


async def assert_consistent(
    models: model_service_pb2_grpc.ModelServiceStub, ana: Analyst, model_id: str
) -> str:
    """GetModel and ListModelVersions agree on the deployment; its primary version is the default."""
    model = (await models.GetModel(pb.GetModelRequest(model_id=model_id), metadata=ana.metadata)).model
    splits = {s.version_id: s.percent for s in model.deployment.splits}
    assert sum(splits.values()) == 100
    assert model.default_version_id == model.deployment.splits[0].version_id, model
    listed = await models.ListModelVersions(
        pb.ListModelVersionsRequest(model_id=model_id), metadata=ana.metadata
    )
    for version in listed.versions:
        assert (version.deployed, version.traffic_percent) == (
            version.version_id in splits,
            splits.get(version.version_id, 0),
        )
    return model.default_version_id


async def test_concurrent_deployments_leave_one_whole(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    model_id = await new_model(models, ana)
    first, second, third = await ready_versions(application, model_id, ana.user_id, 3)

    def deploy(*splits: tuple[str, int]) -> Awaitable[pb.DeployModelVersionResponse]:
        traffic = [pb.TrafficSplit(version_id=v, percent=p) for v, p in splits]
        request = pb.DeployModelVersionRequest(model_id=model_id, splits=traffic)
        return models.DeployModelVersion(request, metadata=ana.metadata)  # type: ignore[no-any-return]

    await deploy((first, 100))
    meanwhile = Meanwhile()
    # One deployment has read the model (its default: first); another runs meanwhile.
    with pause_after_reading(application, "models", lambda: meanwhile.run(lambda: deploy((second, 100)))):
        assert await code_of(deploy((first, 60), (third, 40))) is OK
    assert await meanwhile.codes() == [OK]
    assert await assert_consistent(models, ana, model_id) == second  # it waited, so it came last

    shapes = [((first, 100),), ((second, 60), (third, 40)), ((third, 100),), ((first, 10), (second, 90))]
    for _ in range(3):
        codes = await asyncio.gather(*(code_of(deploy(*shape)) for shape in shapes))
        assert codes == [OK] * len(shapes)
        await assert_consistent(models, ana, model_id)
