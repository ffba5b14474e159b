"""Prometheus metrics of one server process, in a registry of its own.

The gRPC metrics follow the names Prometheus users know from go-grpc-prometheus
(grpc_server_started_total, grpc_server_handled_total, grpc_server_handling_seconds);
GetSystemStats reads the same series, so both views always agree.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from server.observability.rpc_counts import LATENCY_BUCKETS, MethodSeries, RpcCollector

if TYPE_CHECKING:
    from server.domain.prediction.history import Served
    from server.domain.prediction.writer import HistoryWriter

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
# Codes that mean the server failed, not the caller (deploy/prometheus/rules.yml uses the same).
SERVER_FAULT_CODES = frozenset(
    {"UNKNOWN", "INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "DATA_LOSS", "UNIMPLEMENTED"}
)


@dataclass(frozen=True)
class RpcSummary:
    method: str
    requests: int
    errors: int
    p50: float
    p95: float
    p99: float


class RpcMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self._rpcs = RpcCollector()
        self.registry.register(self._rpcs)
        self.active_streams = Gauge(
            "quantis_active_streams", "Streaming RPCs in progress.", registry=self.registry
        )
        # Population stability index of a deployed version's live inputs against its training
        # profile (the largest over its features); deploy/prometheus/rules.yml alerts at 0.1 and 0.25.
        self.drift_score = Gauge(
            "quantis_drift_score",
            "Population stability index of a model version's recent inputs against its training data.",
            ("model_id", "version_id"),
            registry=self.registry,
        )
        # Live MASE over validation MASE, once enough actuals are in; rules.yml alerts above 1.2.
        self.live_mase_ratio = Gauge(
            "quantis_live_mase_ratio",
            "A model version's live MASE (from submitted actuals) divided by its validation MASE.",
            ("model_id", "version_id"),
            registry=self.registry,
        )
        self.predictions = Counter(
            "quantis_predictions",
            "Series forecast and recorded, by model version and source (unary, stream, batch).",
            ("model_id", "version_id", "source"),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "quantis_batch_size",
            "Series per forward pass the dynamic batcher sent to the inference backend.",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.backend_latency = Histogram(
            "quantis_backend_latency_seconds",
            "Time the inference backend took for one batched forward pass.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.history_pruned = Counter(
            "quantis_prediction_history_pruned_rows",
            "Predictions deleted from the history for being older than its retention.",
            registry=self.registry,
        )
        self.training_jobs = Gauge(
            "quantis_training_jobs",
            "Training jobs stored, by state (refreshed by the periodic model checks).",
            ("state",),
            registry=self.registry,
        )

        self.open_streams = 0
        self._predictions: dict[tuple[str, str, str], Counter] = {}

    def stream_opened(self) -> None:
        self.open_streams += 1
        self.active_streams.inc()

    def stream_closed(self) -> None:
        self.open_streams -= 1
        self.active_streams.dec()

    @staticmethod
    def labels(method: str, kind: str) -> tuple[str, str, str]:
        service, _, name = method.strip("/").partition("/")
        return kind, service, name

    def count_predictions(self, served: Served) -> None:
        """Series forecast by one request (the prediction history writer's ``on_record`` hook)."""
        key = (served.model_id, served.version_id, str(served.source))
        counter = self._predictions.get(key)
        if counter is None:  # labels() checks and converts its arguments: once per version and source
            counter = self._predictions[key] = self.predictions.labels(*key)
        counter.inc(served.size)

    def watch_history(self, writer: HistoryWriter) -> None:
        """Export the history writer's backlog and losses, read when scraped (nothing on the request path)."""
        self.registry.register(_HistoryCollector(writer))

    def observe_batch(self, series: int, seconds: float) -> None:
        """One forward pass of a dynamic batcher (its ``on_batch`` hook)."""
        self.batch_size.observe(series)
        self.backend_latency.observe(seconds)

    def server_faults(self) -> dict[str, tuple[float, float]]:
        """Per method since start: calls finished, and those that failed through the server's fault."""
        found: dict[str, tuple[float, float]] = {}
        for series in list(self._rpcs.methods.values()):
            _, service, name = series.labels
            handled = list(series.handled.items())
            calls, faults = found.get(f"/{service}/{name}", (0.0, 0.0))
            fault = sum(count for code, count in handled if code in SERVER_FAULT_CODES)
            found[f"/{service}/{name}"] = (calls + sum(count for _, count in handled), faults + fault)
        return found

    def series(self, method: str, kind: str) -> MethodSeries:
        """The counts of ``method``'s calls: looked up once per method, updated on every call."""
        found = self._rpcs.methods.get((method, kind))
        if found is None:
            found = self._rpcs.methods[(method, kind)] = MethodSeries(self.labels(method, kind))
        return found

    def call_started(self, method: str, kind: str) -> None:
        self.series(method, kind).started += 1

    def record(self, method: str, kind: str, code: str, seconds: float) -> None:
        self.series(method, kind).finished(code, seconds)

    def summaries(self) -> list[RpcSummary]:
        """Per method: requests, errors (any code but OK) and latency quantiles from the histogram."""
        requests: dict[str, float] = {}
        errors: dict[str, float] = {}
        buckets: dict[str, list[tuple[float, float]]] = {}
        for family in self.registry.collect():
            for sample in family.samples:
                method = f"/{sample.labels.get('grpc_service', '')}/{sample.labels.get('grpc_method', '')}"
                if sample.name == "grpc_server_handled_total":
                    requests[method] = requests.get(method, 0) + sample.value
                    if sample.labels["grpc_code"] != "OK":
                        errors[method] = errors.get(method, 0) + sample.value
                elif sample.name == "grpc_server_handling_seconds_bucket":
                    buckets.setdefault(method, []).append((float(sample.labels["le"]), sample.value))
        return [
            RpcSummary(
                method,
                int(count),
                int(errors.get(method, 0)),
                *(_quantile(sorted(buckets.get(method, [])), q) for q in (0.5, 0.95, 0.99)),
            )
            for method, count in sorted(requests.items())
        ]

    def serve_http(self, host: str, port: int) -> tuple[WSGIServer, threading.Thread]:
        """Expose /metrics over HTTP for Prometheus; port 0 picks a free port."""
        return start_http_server(port, addr=host, registry=self.registry)


class _HistoryCollector(Collector):
    def __init__(self, writer: HistoryWriter) -> None:
        self._writer = writer

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "quantis_prediction_history_queued_rows",
            "Predictions answered but not yet stored in the history (the write-behind backlog).",
            value=self._writer.queued_series,
        )
        spool = self._writer.spool
        yield CounterMetricFamily(
            "quantis_prediction_history_spooled_rows",
            "Predictions answered while the history's memory queue was full, kept on disk until stored.",
            value=spool.spooled if spool is not None else 0,
        )
        yield CounterMetricFamily(
            "quantis_prediction_history_dropped_rows",
            "Predictions answered but never stored: the backlog was full or a write failed.",
            value=self._writer.dropped,
        )


def _quantile(cumulative: list[tuple[float, float]], q: float) -> float:
    """A quantile estimated from cumulative histogram buckets, interpolating within a bucket."""
    if not cumulative or cumulative[-1][1] == 0:
        return 0.0
    target = q * cumulative[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in cumulative:
        if count >= target:
            if math.isinf(bound):
                return lower_bound
            share = (target - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, count
    return lower_bound
