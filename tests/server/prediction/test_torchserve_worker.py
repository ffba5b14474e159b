"""A TorchServe worker killed mid-stream, and the TorchServe backend on its own."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np
import psutil
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from model_store.archive import stage_archive
from model_store.torchserve import TorchServeProcess, http_call
from model_store.torchserve_config import free_port
from server.backends.base import SeriesBatch, VersionRef
from server.backends.torchserve import TorchServeBackend
from server.backends.torchserve_protocol import model_name
from server.composition import Application
from server.errors import Unavailable
from server.settings import Settings
from tests.server.prediction.conftest import (
    air_values,
    caller,
    deploy_model,
    direct,
    packed,
)
from training.errors import InvalidRequestError

pytestmark = pytest.mark.torchserve

Stub = prediction_service_pb2_grpc.PredictionServiceStub


@pytest.fixture
def settings(fleet_settings: Settings) -> Settings:
    return fleet_settings


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def error_reason(error: status_pb2.Status) -> str:
    info = error_details_pb2.ErrorInfo()
    return next((info.reason for d in error.details if d.Unpack(info)), "")


async def test_a_worker_killed_mid_stream_fails_its_request_unavailable_and_the_stream_goes_on(
    predictions: Stub, application: Application, artifacts: list[Path], torchserve: TorchServeProcess
) -> None:
    """As the contract says: answers done before the kill stand, the request the kill failed is
    answered UNAVAILABLE (not INTERNAL, not never), and sent again it is answered once TorchServe
    has started a new worker, on the same stream."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    air = air_values()
    outgoing: asyncio.Queue[pb.StreamPredictRequest | None] = asyncio.Queue()
    answers: asyncio.Queue[pb.StreamPredictResponse] = asyncio.Queue()

    async def send() -> AsyncIterator[pb.StreamPredictRequest]:
        while (request := await outgoing.get()) is not None:
            yield request

    call = predictions.StreamPredict(send(), metadata=ana.metadata, timeout=120)

    async def read() -> None:
        async for response in call:
            answers.put_nowait(response)

    reader = asyncio.ensure_future(read())

    async def ask(request: pb.StreamPredictRequest) -> pb.StreamPredictResponse:
        outgoing.put_nowait(request)
        return await asyncio.wait_for(answers.get(), 60)

    before = [await ask(packed(f"small{r}", model.model_id, [air, air[:60]])) for r in range(3)]
    assert [(a.request_id, a.error.code, len(a.point_forecasts)) for a in before] == [
        (f"small{r}", code_pb2.OK, 2 * 6) for r in range(3)
    ]

    (worker,) = (psutil.Process(pid) for pid in torchserve.worker_pids())
    idle = cpu_seconds(worker)
    outgoing.put_nowait(packed("big", model.model_id, [air] * 8000))
    for _ in range(6000):  # kill the worker once it computes "big" (its CPU time moves): 30 s at most
        if cpu_seconds(worker) >= idle + 0.05:
            break
        await asyncio.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    big = await asyncio.wait_for(answers.get(), 60)
    assert big.request_id == "big" and not big.point_forecasts
    assert (
        big.error.code == code_pb2.UNAVAILABLE and error_reason(big.error) == "INFERENCE_BACKEND_UNAVAILABLE"
    )

    deadline = time.monotonic() + 60
    for attempt in itertools.count():
        again = await ask(packed(f"again{attempt}", model.model_id, [air]))
        if again.error.code == code_pb2.OK or time.monotonic() > deadline:
            break
        assert again.error.code == code_pb2.UNAVAILABLE, again.error
        await asyncio.sleep(0.2)
    assert again.error.code == code_pb2.OK, again.error
    point, _ = direct(artifacts[0], air, 6, (0.1, 0.5, 0.9))
    np.testing.assert_allclose(again.point_forecasts, point[0], rtol=1e-5)  # type: ignore[index]

    outgoing.put_nowait(None)  # half-close: every request is answered, the stream ends OK
    await asyncio.wait_for(reader, 30)
    assert await call.code() == grpc.StatusCode.OK
    assert worker.pid not in torchserve.worker_pids()
    answer = await predictions.Predict(
        pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=air)),
        metadata=ana.metadata,
        timeout=30,
    )
    assert answer.version_id == model.versions[0] and len(answer.forecast.points) == 12


async def test_a_stream_that_hangs_up_mid_pass_cancels_its_torchserve_call(
    predictions: Stub, application: Application, artifacts: list[Path], torchserve: TorchServeProcess
) -> None:
    """The caller hanging up and its deadline passing end the call alike (gRPC cancels the
    handler); the pass its request is in is then no longer worth TorchServe's time."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    air = air_values()
    request = pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=air))
    await predictions.Predict(request, metadata=ana.metadata, timeout=60)  # registered, a worker up
    assert application.prediction is not None
    backend = application.prediction.backend
    assert isinstance(backend, TorchServeBackend)
    (worker,) = torchserve.worker_pids()

    async def one_message() -> AsyncIterator[pb.StreamPredictRequest]:
        yield packed("stalled", model.model_id, [air] * 100)
        await asyncio.sleep(60)

    os.kill(worker, signal.SIGSTOP)  # the pass waits in TorchServe for as long as the test needs
    try:
        call = predictions.StreamPredict(one_message(), metadata=ana.metadata, timeout=60)
        for _ in range(500):
            if backend._calls._count:
                break
            await asyncio.sleep(0.01)
        assert backend._calls._count == {model.versions[0]: 1}
        call.cancel()
        # The call to TorchServe ends now, not when the worker is through with the pass.
        for _ in range(50):
            if not backend._calls._count:
                break
            await asyncio.sleep(0.01)
        assert backend._calls._count == {}
    finally:
        os.kill(worker, signal.SIGCONT)
    assert await call.code() is grpc.StatusCode.CANCELLED
    answer = await predictions.Predict(request, metadata=ana.metadata, timeout=60)
    assert len(answer.forecast.points) == 12


async def test_backend_registers_on_first_use_scales_maps_rejections_and_cancels(
    torchserve: TorchServeProcess, artifacts: list[Path]
) -> None:
    backend = TorchServeBackend(
        management_url=torchserve.management_url,
        grpc_target=torchserve.grpc_target,
        model_store=torchserve.model_store,
        timeout=20,
    )
    version = VersionRef(f"unit-{uuid.uuid4()}", artifacts[0])  # no .mar yet: built on load
    air = np.asarray(air_values(), dtype=np.float32)

    def batch(horizon: int, copies: int = 1) -> SeriesBatch:
        return SeriesBatch(np.tile(air, copies), np.full(copies, air.size, np.int32), horizon, (0.1, 0.9))

    try:
        first = await backend.forecast(version, batch(12))
        point, quantiles = direct(artifacts[0], list(air), 12, (0.1, 0.9))
        np.testing.assert_allclose(first.point, point, rtol=1e-5)  # type: ignore[arg-type]
        np.testing.assert_allclose(first.quantiles, quantiles, rtol=1e-5)  # type: ignore[arg-type]
        assert (torchserve.model_store / f"{model_name(version.version_id)}.mar").exists()
        assert "1 version registered" in await backend.ping()

        # The handler's 400 arrives as a caller's mistake, named by what is wrong.
        with pytest.raises(InvalidRequestError, match="horizon"):
            await backend.forecast(version, batch(99))

        # Cancelling the caller cancels the call: it ends now, not when the pass would.
        slow = asyncio.ensure_future(backend.forecast(version, batch(12, copies=40_000)))  # seconds of work
        await asyncio.sleep(0.1)
        cancelled_at = time.monotonic()
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert time.monotonic() - cancelled_at < 0.5
        # The backend still answers (once the worker is through with the abandoned pass).
        np.testing.assert_array_equal((await backend.forecast(version, batch(12))).point, first.point)

        # Scaling goes through the management API (down to none: starting workers takes seconds).
        assert torchserve.worker_pids()
        await backend.scale(version.version_id, 0)
        assert not torchserve.worker_pids()
    finally:
        await backend.unload(version.version_id)
        await backend.close()


async def test_a_version_registered_by_hand_without_workers_gets_the_backends_workers(
    torchserve: TorchServeProcess, artifacts: list[Path]
) -> None:
    """TorchServe's register API starts no worker unless asked: a version an operator registered
    that way would refuse every call. One registered with workers keeps the count it was given."""
    backend = TorchServeBackend(
        management_url=torchserve.management_url,
        grpc_target=torchserve.grpc_target,
        model_store=torchserve.model_store,
        workers=1,
        timeout=20,
    )
    bare, chosen = (VersionRef(f"by-hand-{uuid.uuid4()}", artifacts[0]) for _ in range(2))
    air = np.asarray(air_values(), dtype=np.float32)
    batch = SeriesBatch(air, np.array([air.size], np.int32), 12, (0.1, 0.9))

    def workers_of(version: VersionRef) -> int:
        status, body = http_call(f"{torchserve.management_url}/models/{model_name(version.version_id)}")
        assert status == 200, body
        return len(json.loads(body)[0]["workers"])

    try:
        for version, workers in ((bare, 0), (chosen, 2)):
            name = model_name(version.version_id)
            stage_archive(torchserve.model_store, name, None, version.artifact_path)
            query = f"url={name}.mar&model_name={name}&initial_workers={workers}&synchronous=true"
            status, body = http_call(f"{torchserve.management_url}/models?{query}", "POST")
            assert status == 200, body
        assert workers_of(bare) == 0

        answer = await backend.forecast(bare, batch)
        expected, _ = direct(artifacts[0], list(air), 12, (0.1, 0.9))
        np.testing.assert_allclose(answer.point, expected, rtol=1e-5)  # type: ignore[arg-type]
        assert workers_of(bare) == 1
        await backend.forecast(chosen, batch)
        assert workers_of(chosen) == 2
    finally:
        await asyncio.gather(*(backend.unload(version.version_id) for version in (bare, chosen)))
        await backend.close()


async def test_a_server_unregistering_a_version_on_a_fleet_lets_another_servers_call_end(
    torchserve: TorchServeProcess, artifacts: list[Path]
) -> None:
    """Two servers on one fleet hear the same announcement; the one that unregisters first must
    not cut the other's call under way (TorchServe would never answer it)."""

    def server() -> TorchServeBackend:
        return TorchServeBackend(
            management_url=torchserve.management_url,
            grpc_target=torchserve.grpc_target,
            model_store=torchserve.model_store,
            timeout=20,
        )

    first, second = server(), server()
    version = VersionRef(f"fleet-{uuid.uuid4()}", artifacts[0])
    air = np.asarray(air_values(), dtype=np.float32)
    copies = 8_000  # a pass of about a second
    batch = SeriesBatch(np.tile(air, copies), np.full(copies, air.size, np.int32), 12, (0.1, 0.9))
    try:
        assert first.shared and second.shared
        await second.forecast(version, SeriesBatch(air, np.array([air.size], np.int32), 12, (0.1, 0.9)))
        call = asyncio.ensure_future(second.forecast(version, batch))
        await asyncio.sleep(0.2)  # under way at TorchServe
        started = time.monotonic()
        await first.unload(version.version_id)
        answer = await asyncio.wait_for(call, 10)  # without the grace: no answer until the timeout
        assert answer.point.shape == (copies, 12)
        assert time.monotonic() - started < 10
        assert not (torchserve.model_store / f"{model_name(version.version_id)}.mar").exists()
    finally:
        await second.unload(version.version_id)
        await asyncio.gather(first.close(), second.close())


async def test_backend_with_nothing_listening_is_unavailable(tmp_path: Path, artifacts: list[Path]) -> None:
    backend = TorchServeBackend(
        management_url=f"http://127.0.0.1:{free_port()}",
        grpc_target=f"127.0.0.1:{free_port()}",
        model_store=tmp_path,
        timeout=5,
    )
    try:
        with pytest.raises(Unavailable, match="did not answer"):
            await backend.load(VersionRef("nowhere", artifacts[0]))
        with pytest.raises(Unavailable, match="UNAVAILABLE"):
            await backend.ping()
    finally:
        await backend.close()
