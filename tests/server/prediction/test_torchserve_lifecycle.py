"""Versions on TorchServe come and go with their deployment: registered while served, unregistered
(archive and all) once not, without failing the calls under way; one that does not load is said so."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import grpc
import numpy as np
import psutil
import pytest
from quantis.v1 import common_pb2, model_service_pb2, model_service_pb2_grpc, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from model_store.torchserve import TorchServeProcess, http_call
from server.backends.base import SeriesBatch, VersionRef
from server.backends.torchserve import TorchServeBackend
from server.backends.torchserve_protocol import model_name
from server.composition import Application
from server.errors import FailedPrecondition
from server.settings import Settings
from tests.server.prediction.conftest import (
    air_values,
    caller,
    deploy_model,
)

pytestmark = pytest.mark.torchserve


@pytest.fixture
def settings(fleet_settings: Settings) -> Settings:
    return fleet_settings


def registered(process: TorchServeProcess, versions: list[str]) -> set[str]:
    """Which of ``versions`` TorchServe has registered."""
    status, body = http_call(f"{process.management_url}/models?limit=1000")
    assert status == 200, body
    names = {entry["modelName"] for entry in json.loads(body)["models"]}
    return {version for version in versions if model_name(version) in names}


def staged(process: TorchServeProcess, versions: list[str]) -> set[str]:
    """Which of ``versions`` have an archive in the model store."""
    return {v for v in versions if (process.model_store / f"{model_name(v)}.mar").exists()}


async def settled(process: TorchServeProcess, versions: list[str], expected: set[str]) -> set[str]:
    """The registered ``versions`` once they and the staged ones are ``expected`` (deployments
    reach the runtime through the event bus), or after 30 seconds."""
    deadline = time.monotonic() + 30
    while True:
        found = registered(process, versions)
        if found == staged(process, versions) == expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_versions_no_longer_served_are_unregistered_with_their_archives(
    channel: grpc.aio.Channel, application: Application, artifacts: list[Path], torchserve: TorchServeProcess
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:2])
    v1, v2 = model.versions
    predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    request = pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=air_values()))
    assert (await predictions.Predict(request, metadata=ana.metadata, timeout=60)).version_id == v1
    assert registered(torchserve, model.versions) == staged(torchserve, model.versions) == {v1}

    deploy = model_service_pb2.DeployModelVersionRequest(model_id=model.model_id, version_id=v2)
    await models.DeployModelVersion(deploy, metadata=ana.metadata)
    assert await settled(torchserve, model.versions, {v2}) == {v2}
    assert staged(torchserve, model.versions) == {v2}
    assert (await predictions.Predict(request, metadata=ana.metadata, timeout=60)).version_id == v2

    delete = model_service_pb2.DeleteModelRequest(model_id=model.model_id)
    await models.DeleteModel(delete, metadata=ana.metadata)
    assert await settled(torchserve, model.versions, set()) == set()
    assert staged(torchserve, model.versions) == set()
    assert "0 versions registered" in await application.prediction.backend.ping()  # type: ignore[union-attr]


def backend_on(torchserve: TorchServeProcess) -> TorchServeBackend:
    return TorchServeBackend(
        management_url=torchserve.management_url,
        grpc_target=torchserve.grpc_target,
        model_store=torchserve.model_store,
        timeout=20,
    )


def air_batch(copies: int = 1) -> SeriesBatch:
    air = np.asarray(air_values(), dtype=np.float32)
    return SeriesBatch(np.tile(air, copies), np.full(copies, air.size, np.int32), 12, (0.1, 0.9))


@pytest.mark.slow
async def test_unloading_a_version_answers_its_calls_under_way_first(
    torchserve: TorchServeProcess, artifacts: list[Path]
) -> None:
    """TorchServe never answers a call whose model is unregistered under it: the call would hang
    until its timeout and fail UNAVAILABLE."""
    backend = backend_on(torchserve)
    version = VersionRef(f"unload-{uuid.uuid4()}", artifacts[0])
    try:
        await backend.load(version)
        (worker,) = (psutil.Process(pid) for pid in torchserve.worker_pids())
        idle = worker.cpu_times().user
        busy = asyncio.ensure_future(backend.forecast(version, air_batch(copies=60_000)))  # seconds
        while True:  # until the worker computes it (its CPU time moves)
            if worker.cpu_times().user >= idle + 0.05 or busy.done():
                break
            await asyncio.sleep(0.005)
        unloaded_at = time.monotonic()
        await backend.unload(version.version_id)
        answered = await asyncio.wait_for(busy, 1)  # answered before the unload returned
        assert answered.point.shape == (60_000, 12)
        assert time.monotonic() - unloaded_at < 15
        assert not registered(torchserve, [version.version_id])
        assert not staged(torchserve, [version.version_id])
        # A call after the unload registers the version again.
        assert (await backend.forecast(version, air_batch())).point.shape == (1, 12)
    finally:
        await backend.unload(version.version_id)
        await backend.close()


async def test_a_version_whose_archive_does_not_load_is_failed_precondition_and_others_answer(
    torchserve: TorchServeProcess, artifacts: list[Path], tmp_path: Path
) -> None:
    backend = backend_on(torchserve)
    corrupt = tmp_path / "corrupt.mar"
    corrupt.write_bytes(b"not an archive")
    broken = VersionRef(f"corrupt-{uuid.uuid4()}", artifacts[0], corrupt)
    good = VersionRef(f"good-{uuid.uuid4()}", artifacts[0])
    try:
        with pytest.raises(FailedPrecondition, match="Failed to start workers") as raised:
            await backend.forecast(broken, air_batch())
        assert raised.value.reason == "MODEL_VERSION_NOT_LOADABLE" and broken.version_id in str(raised.value)
        assert not registered(torchserve, [broken.version_id])
        assert not staged(torchserve, [broken.version_id])  # staged afresh from its files next time
        assert (await backend.forecast(good, air_batch())).point.shape == (1, 12)
    finally:
        await backend.unload(good.version_id)
        await backend.close()
