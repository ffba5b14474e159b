"""Scenarios 2 and 3: a `quantis serve` process on a TorchServe fleet (QUANTIS_INFERENCE_BACKEND=
torchserve, the fleet named by its URLs) whose worker is killed mid-stream, then which is restarted.

The kill fails the request it hit UNAVAILABLE (INFERENCE_BACKEND_UNAVAILABLE) and the same stream
goes on; a restart makes calls UNAVAILABLE until TorchServe is back, then they answer as before,
with no server restart. Answers given before the faults stand, and are the same after.
"""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import psutil
import pytest
from google.rpc import code_pb2
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from model_store.torchserve import TorchServeProcess
from tests.reliability.servers import error_reason, served
from tests.server.prediction.conftest import air_values, packed, start_torchserve, unregister_all

pytestmark = [pytest.mark.slow, pytest.mark.torchserve]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TorchServeProcess]:
    """A TorchServe of this module alone: the restart test stops it (and starts it again), so it
    cannot be the session's shared one."""
    process = TorchServeProcess(tmp_path_factory.mktemp("fleet"))
    start_torchserve(process)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def clean_fleet(fleet: TorchServeProcess) -> Iterator[None]:
    """Each test finds the fleet up and without the models (and workers) of the test before."""
    if not fleet.ping():
        fleet.start()
    yield
    if fleet.ping():
        unregister_all(fleet)


def fleet_settings(process: TorchServeProcess) -> dict[str, str]:
    return {
        "inference_backend": "torchserve",
        "torchserve_management_url": process.management_url,
        "torchserve_grpc_target": process.grpc_target,
        "torchserve_model_store": str(process.model_store),
        "torchserve_timeout_seconds": "20",
    }


def test_a_worker_killed_mid_stream_fails_one_request_unavailable_and_the_stream_goes_on(
    tmp_path: Path, artifacts: list[Path], fleet: TorchServeProcess, figures: dict[str, object]
) -> None:
    air = air_values()
    with served(tmp_path, artifacts, **fleet_settings(fleet)) as running:
        metadata = running.metadata()
        with grpc.insecure_channel(running.address) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            outgoing: queue.Queue[pb.StreamPredictRequest | None] = queue.Queue()
            call = stub.StreamPredict(iter(outgoing.get, None), metadata=metadata, timeout=180)

            def ask(request: pb.StreamPredictRequest) -> pb.StreamPredictResponse:
                outgoing.put(request)
                return next(call)  # type: ignore[no-any-return]

            before = [ask(packed(f"small{r}", running.model_id, [air, air[:60]])) for r in range(3)]
            assert [a.error.code for a in before] == [code_pb2.OK] * 3
            (worker,) = (psutil.Process(pid) for pid in fleet.worker_pids())
            idle = sum(worker.cpu_times()[:2])
            outgoing.put(packed("big", running.model_id, [air] * 8000))
            deadline = time.monotonic() + 30
            while sum(worker.cpu_times()[:2]) < idle + 0.05 and time.monotonic() < deadline:
                time.sleep(0.005)  # kill the worker once it computes "big"
            os.kill(worker.pid, signal.SIGKILL)
            big = next(call)
            assert big.request_id == "big" and not big.point_forecasts
            assert big.error.code == code_pb2.UNAVAILABLE, big.error
            killed = time.monotonic()
            retries = 0
            while (again := ask(packed(f"again{retries}", running.model_id, [air, air[:60]]))).error.code:
                assert again.error.code == code_pb2.UNAVAILABLE, again.error
                assert time.monotonic() - killed < 90
                retries += 1
                time.sleep(0.2)
            recovered = time.monotonic() - killed
            outgoing.put(None)
            assert list(call) == [] and call.code() == grpc.StatusCode.OK
        assert list(again.point_forecasts) == list(before[0].point_forecasts)
        assert worker.pid not in fleet.worker_pids()
        figures.update(answered_before=3, failed_unavailable=1 + retries, recovered_s=recovered)
        assert running.server.stop() == 0


def test_torchserve_restarted_makes_predictions_unavailable_then_they_answer_again(
    tmp_path: Path, artifacts: list[Path], fleet: TorchServeProcess, figures: dict[str, object]
) -> None:
    with served(tmp_path, artifacts, **fleet_settings(fleet)) as running:
        metadata = running.metadata()
        request = pb.PredictRequest(model_id=running.model_id, series=common_pb2.Series(values=air_values()))
        with grpc.insecure_channel(running.address) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            first = stub.Predict(request, metadata=metadata, timeout=120)
            fleet.stop()
            with pytest.raises(grpc.RpcError) as down:
                stub.Predict(request, metadata=metadata, timeout=30)
            assert down.value.code() == grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
            assert error_reason(down.value) == "INFERENCE_BACKEND_UNAVAILABLE"
            began = time.monotonic()
            fleet.start()  # same ports, no registrations: the server registers the version again
            unavailable = 1
            while True:
                try:
                    again = stub.Predict(request, metadata=metadata, timeout=30)
                    break
                except grpc.RpcError as error:
                    assert error.code() == grpc.StatusCode.UNAVAILABLE, error  # type: ignore[attr-defined]
                    assert time.monotonic() - began < 120
                    unavailable += 1
                    time.sleep(0.5)
            recovered = time.monotonic() - began
        assert again.version_id == first.version_id
        assert list(again.forecast.points) == list(first.forecast.points)
        figures.update(unavailable=unavailable, recovered_after_start_s=recovered)
        assert running.server.stop() == 0
