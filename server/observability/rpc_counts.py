"""The gRPC server metrics, kept as plain numbers per method and turned into Prometheus series
when scraped.

prometheus_client's ``Counter`` and ``Histogram`` take a lock and check their state on every
update, and a histogram finds its bucket with a loop in Python: three updates per RPC cost a
few microseconds of the event loop. Every call is counted on the event loop's thread, so
the counts need no lock; a scrape from another thread reads them as they stand.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LABELS = ("grpc_type", "grpc_service", "grpc_method")
_BUCKET_NAMES = (*map(floatToGoString, LATENCY_BUCKETS), "+Inf")


@dataclass
class MethodSeries:
    """One method's calls: started, finished by status code, and a histogram of their durations."""

    labels: tuple[str, str, str]  # LABELS' values
    started: int = 0
    handled: dict[str, int] = field(default_factory=dict)
    buckets: list[int] = field(default_factory=lambda: [0] * len(_BUCKET_NAMES))  # not cumulative
    seconds: float = 0.0

    def finished(self, code: str, seconds: float) -> None:
        self.handled[code] = self.handled.get(code, 0) + 1
        self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1  # a bucket counts values <= its bound
        self.seconds += seconds


class RpcCollector(Collector):
    """grpc_server_started_total, grpc_server_handled_total and grpc_server_handling_seconds."""

    def __init__(self) -> None:
        self.methods: dict[tuple[str, str], MethodSeries] = {}

    def collect(self) -> Iterator[Metric]:
        started = CounterMetricFamily("grpc_server_started", "RPCs started on the server.", labels=LABELS)
        handled = CounterMetricFamily(
            "grpc_server_handled",
            "RPCs completed on the server, by status code.",
            labels=(*LABELS, "grpc_code"),
        )
        handling = HistogramMetricFamily(
            "grpc_server_handling_seconds", "Time to handle an RPC, until its status is sent.", labels=LABELS
        )
        for series in list(self.methods.values()):
            started.add_metric(series.labels, series.started)
            for code, count in list(series.handled.items()):
                handled.add_metric((*series.labels, code), count)
            cumulative = zip(_BUCKET_NAMES, accumulate(series.buckets), strict=True)
            handling.add_metric(series.labels, list(cumulative), series.seconds)
        yield started
        yield handled
        yield handling
