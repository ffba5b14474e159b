"""The load clients: separate processes, each with its own channel, making a mix of calls.

The mix per ten calls: four unary Predict, two StreamPredict (one stream of two requests),
two dataset reads and two model reads. A client runs flat out (``rate`` None: the ramp that
measures capacity) or paced to ``rate`` calls per second.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import grpc
from quantis.v1 import (
    common_pb2,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    model_service_pb2,
    model_service_pb2_grpc,
    prediction_service_pb2,
    prediction_service_pb2_grpc,
)

MIX = ("predict", "stream", "predict", "dataset", "model", "predict", "stream", "predict", "dataset", "model")
SERIES = [float(100 + (i % 12) * 10 + i) for i in range(48)]


@dataclass
class Tally:
    """What one client saw: latencies in ms per kind of call, and the status of every failure."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + len(self.errors)

    def merge(self, other: Tally) -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.errors.extend(other.errors)

    def percentile(self, q: float) -> float:
        values = sorted(v for vs in self.latencies.values() for v in vs)
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _client(
    address: str, metadata: tuple[tuple[str, str], ...], model_id: str, seconds: float, rate: float | None
) -> Tally:
    tally = Tally()
    with grpc.insecure_channel(address) as channel:
        predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
        models = model_service_pb2_grpc.ModelServiceStub(channel)
        (dataset,) = datasets.ListDatasets(
            dataset_service_pb2.ListDatasetsRequest(), metadata=metadata, timeout=30
        ).datasets
        predict = prediction_service_pb2.PredictRequest(
            model_id=model_id, horizon=6, series=common_pb2.Series(values=SERIES)
        )
        stream = [
            prediction_service_pb2.StreamPredictRequest(
                request_id=str(r), model_id=model_id, horizon=6, lengths=[48, 36], values=SERIES + SERIES[:36]
            )
            for r in range(2)
        ]

        def call(kind: str) -> None:
            if kind == "predict":
                predictions.Predict(predict, metadata=metadata, timeout=30)
            elif kind == "stream":
                answers = list(predictions.StreamPredict(iter(stream), metadata=metadata, timeout=30))
                assert [a.error.code for a in answers] == [0, 0], answers
            elif kind == "dataset":
                datasets.GetDataset(
                    dataset_service_pb2.GetDatasetRequest(dataset_id=dataset.dataset_id),
                    metadata=metadata,
                    timeout=30,
                )
            else:
                models.ListModels(model_service_pb2.ListModelsRequest(), metadata=metadata, timeout=30)
                models.GetModel(
                    model_service_pb2.GetModelRequest(model_id=model_id), metadata=metadata, timeout=30
                )

        start = time.monotonic()
        n = 0
        while (now := time.monotonic()) - start < seconds:
            if rate is not None and (due := start + n / rate) > now:
                time.sleep(due - now)
            kind = MIX[n % len(MIX)]
            n += 1
            began = time.perf_counter()
            try:
                call(kind)
            except grpc.RpcError as error:
                tally.errors.append(f"{kind}: {error.code().name}")  # type: ignore[attr-defined]
                continue
            except AssertionError as error:
                tally.errors.append(f"{kind}: {error}"[:200])
                continue
            tally.latencies.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
    return tally


def run(
    address: str,
    metadata: tuple[tuple[str, str], ...],
    model_id: str,
    *,
    clients: int,
    seconds: float,
    rate: float | None = None,
) -> Tally:
    """``clients`` processes calling for ``seconds``; ``rate`` is the total calls per second."""
    per_client = None if rate is None else rate / clients
    context = multiprocessing.get_context("spawn")  # no fork of a process holding gRPC threads
    total = Tally()
    with ProcessPoolExecutor(clients, mp_context=context) as pool:
        futures = [
            pool.submit(_client, address, metadata, model_id, seconds, per_client) for _ in range(clients)
        ]
        for future in futures:
            total.merge(future.result())
    return total
