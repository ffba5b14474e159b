"""Every prediction id a stream answers names a stored prediction, even when the history's
memory queue is full: a real `quantis serve` whose queue holds one row spools every streamed
message to disk, stores it from there, and drops nothing."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import grpc
import pytest
from quantis.v1 import prediction_service_pb2 as pb
from quantis.v1 import prediction_service_pb2_grpc

from tests.reliability.load import SERIES
from tests.reliability.servers import metric, served
from tests.reliability.test_streams import until

pytestmark = pytest.mark.slow

MESSAGES = 20
PER_MESSAGE = 25


def test_streamed_predictions_past_the_memory_queue_are_all_stored(
    tmp_path: Path, artifacts: list[Path]
) -> None:
    with served(tmp_path, artifacts, history_queue_max_rows="1") as running:
        metadata = running.metadata()

        def metrics(name: str) -> float:
            url = f"http://{running.metrics_address()}/metrics"
            with urllib.request.urlopen(url, timeout=10) as answer:
                return metric(answer.read().decode(), name)

        requests = [
            pb.StreamPredictRequest(
                request_id=f"r{m}",
                model_id=running.model_id,
                horizon=6,
                series_ids=[f"m{m}-s{i}" for i in range(PER_MESSAGE)],
                lengths=[len(SERIES)] * PER_MESSAGE,
                values=SERIES * PER_MESSAGE,
            )
            for m in range(MESSAGES)
        ]
        with grpc.insecure_channel(running.address) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            answers = list(stub.StreamPredict(iter(requests), metadata=metadata, timeout=60))
            assert [a.error.code for a in answers] == [0] * MESSAGES
            ids = [i for a in answers for i in a.prediction_ids]
            assert len(set(ids)) == MESSAGES * PER_MESSAGE

            assert until(lambda: metrics("quantis_prediction_history_queued_rows") == 0, within=60)
            assert metrics("quantis_prediction_history_spooled_rows_total") == MESSAGES * PER_MESSAGE
            assert metrics("quantis_prediction_history_dropped_rows_total") == 0
            listed = stub.ListPredictions(
                pb.ListPredictionsRequest(model_id=running.model_id, page_size=1),
                metadata=metadata,
                timeout=30,
            )
            assert listed.total_size == MESSAGES * PER_MESSAGE
            last = answers[-1]
            got = stub.GetPrediction(
                pb.GetPredictionRequest(prediction_id=last.prediction_ids[-1]), metadata=metadata, timeout=30
            ).prediction
            assert got.series_id == last.series_ids[-1]
            submitted = stub.SubmitActuals(
                pb.SubmitActualsRequest(prediction_id=last.prediction_ids[-1], values=[400.0, 410.0]),
                metadata=metadata,
                timeout=30,
            )
            assert submitted.matched_points == 2
        assert running.server.stop() == 0
        assert not list((running.data_dir / "history-spool").glob("*/*.spool"))
