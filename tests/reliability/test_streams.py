"""Scenario 6: clients cancelling mid-stream free the server's resources, and SIGTERM during
streams drains them: each ends UNAVAILABLE (SERVER_SHUTTING_DOWN) after its answers."""

from __future__ import annotations

import queue
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import psutil
import pytest
from quantis.v1 import prediction_service_pb2 as pb
from quantis.v1 import prediction_service_pb2_grpc

from tests.reliability.load import SERIES
from tests.reliability.servers import Served, error_reason, metric, served

pytestmark = pytest.mark.slow

STREAMS = 6
ROUNDS = 5


class Stream:
    """One StreamPredict whose requests are fed from a queue, one answer read at a time."""

    def __init__(
        self, stub: prediction_service_pb2_grpc.PredictionServiceStub, served: Served, metadata: object
    ):
        self._outgoing: queue.Queue[pb.StreamPredictRequest | None] = queue.Queue()
        self._model_id = served.model_id
        self._sent = 0
        self.call = stub.StreamPredict(self._requests(), metadata=metadata, timeout=120)

    def _requests(self) -> Iterator[pb.StreamPredictRequest]:
        while (request := self._outgoing.get()) is not None:
            yield request

    def send(self) -> str:
        self._sent += 1
        request_id = f"r{self._sent}"
        self._outgoing.put(
            pb.StreamPredictRequest(
                request_id=request_id,
                model_id=self._model_id,
                horizon=6,
                lengths=[len(SERIES)],
                values=SERIES,
            )
        )
        return request_id

    def answer(self) -> pb.StreamPredictResponse:
        return next(self.call)  # type: ignore[no-any-return]


def _metric(running: Served, name: str) -> float:
    with urllib.request.urlopen(f"http://{running.metrics_address()}/metrics", timeout=10) as answer:
        return metric(answer.read().decode(), name)


def active_streams(running: Served) -> float:
    return _metric(running, "quantis_active_streams")


def history_stored(running: Served) -> bool:
    """Whether every answer so far is in the history (so its writer process has started)."""
    return _metric(running, "quantis_prediction_history_queued_rows") == 0


def until(predicate: object, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_cancelled_streams_free_their_resources(
    tmp_path: Path, artifacts: list[Path], figures: dict[str, object]
) -> None:
    with served(tmp_path, artifacts) as running:
        metadata = running.metadata()
        process = psutil.Process(running.server.process.pid)
        with grpc.insecure_channel(running.address) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            peak = 0.0
            baseline: tuple[int, int] | None = None
            for _ in range(ROUNDS):
                streams = [Stream(stub, running, metadata) for _ in range(STREAMS)]
                for stream in streams:
                    stream.send()
                    assert stream.answer().error.code == 0
                    stream.send()  # a second request in flight when the client goes away
                peak = max(peak, active_streams(running))
                for stream in streams:
                    stream.call.cancel()
                assert until(lambda: active_streams(running) == 0), active_streams(running)
                # The history process is started by the first store, a moment after the answers.
                assert until(lambda: history_stored(running))
                if baseline is None:  # after the first round every pool has grown to its size
                    baseline = (process.num_threads(), process.num_fds())
            threads, fds = process.num_threads(), process.num_fds()
        figures.update(
            streams=STREAMS * ROUNDS,
            peak_active=int(peak),
            threads=f"{baseline[0]}->{threads}",
            fds=f"{baseline[1]}->{fds}",
        )  # type: ignore[index]
        assert peak == STREAMS
        assert baseline is not None and threads <= baseline[0] + 2 and fds <= baseline[1] + 4
        assert running.server.stop() == 0


def test_sigterm_during_streams_answers_what_was_read_then_ends_them_unavailable(
    tmp_path: Path, artifacts: list[Path], figures: dict[str, object]
) -> None:
    with served(tmp_path, artifacts, shutdown_grace_seconds="20") as running:
        metadata = running.metadata()
        with grpc.insecure_channel(running.address) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            streams = [Stream(stub, running, metadata) for _ in range(STREAMS)]
            for stream in streams:
                stream.send()
                assert stream.answer().error.code == 0
                stream.send()
            began = time.monotonic()
            running.server.process.send_signal(signal.SIGTERM)
            endings = []
            for stream in streams:
                answered = []  # what the server had read before the drain
                with pytest.raises(grpc.RpcError):
                    answered.extend(a.request_id for a in stream.call)
                endings.append(answered)
                assert answered in ([], ["r2"])
                assert stream.call.code() == grpc.StatusCode.UNAVAILABLE
                assert error_reason(stream.call) == "SERVER_SHUTTING_DOWN"  # type: ignore[arg-type]
            running.server.process.wait(30)
            drained = time.monotonic() - began
        figures.update(
            streams=STREAMS,
            answered_after_sigterm=sum(map(len, endings)),
            drained_s=drained,
            exit_code=running.server.process.returncode,
        )
        assert running.server.process.returncode == 0
        assert drained < 20, "the streams held the whole grace period"
