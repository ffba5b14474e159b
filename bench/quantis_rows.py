"""Quantis in the serving benchmark: the environment it starts with (the bench admin, quiet
logs, no rate limit) and its rows: unary Predict, StreamPredict and BatchPredict on one server,
and unary Predict on several serving processes.
"""

from __future__ import annotations

import os
import secrets

from bench import payloads
from bench.harness import Bench, oneline
from bench.load import Kind, Metadata, Workload
from bench.quantis_setup import DemoVersion, login
from bench.report import REQUESTS, SERIES, Row
from bench.systems import ROOT, QuantisServer

ADMIN = "bench_admin"


_PASSWORD: list[str] = []


def admin_password() -> str:
    """The bench admin's password, made once per run (the data directory is made anew)."""
    if not _PASSWORD:
        _PASSWORD.append("Bench-" + secrets.token_urlsafe(12) + "-7x")
    return _PASSWORD[0]


def quantis_env(backend: str) -> dict[str, str]:
    env = {
        "QUANTIS_ADMIN_USERNAME": ADMIN,
        "QUANTIS_ADMIN_EMAIL": "bench@example.com",
        "QUANTIS_ADMIN_PASSWORD": admin_password(),
        # One access-log line per call otherwise (MLServer runs with debug false for the same reason).
        "QUANTIS_LOG_LEVEL": "WARNING",
        # The per-caller limit (500/s) would refuse the single benchmark caller.
        "QUANTIS_RATE_LIMIT_PREDICTION_PER_SECOND": "1000000",
        "QUANTIS_RATE_LIMIT_PREDICTION_BURST": "1000000",
    }
    if backend == "torchserve":
        env |= {"QUANTIS_INFERENCE_BACKEND": "torchserve", "QUANTIS_TORCHSERVE_WORKERS": "2"}
    return env


def quantis_rows(
    bench: Bench,
    server: QuantisServer,
    system: str,
    demo: DemoVersion,
    dataset_id: str,
    concurrencies: tuple[int, ...],
    arrival_rates: tuple[float, ...] = (),
) -> None:
    """Unary Predict at each of ``concurrencies`` (callers in a closed loop) and of
    ``arrival_rates`` (requests per second sent at random times), then the streams and a
    BatchPredict job."""
    metadata = login(server.target, ADMIN, admin_password())
    one = payloads.series(1)

    def predicts(kind: Kind, **how: float) -> Workload:
        return unary_predicts(bench, server, demo, metadata, kind, **how)

    unary = {f"c={c}": predicts(Kind.UNARY, concurrency=c) for c in concurrencies}
    if 64 in concurrencies:  # as processes_row calls it, for the same-run comparison
        unary[PROCESSES_LABEL] = predicts(Kind.UNARY, concurrency=64, channels=PROCESSES_CHANNELS)
    for rate in arrival_rates:
        unary[f"{rate:,.0f} req/s at random times"] = predicts(Kind.ARRIVALS, rate=rate)
    streams = {}
    for per_message, callers, in_flight in ((256, 2, 8), (1024, 1, 8)):
        values = payloads.series(per_message)
        message = payloads.quantis_stream(demo.model_id, values).SerializeToString()
        label = f"{per_message}/msg, {callers} stream{'s' if callers > 1 else ''} x {in_flight} in flight"
        method = payloads.QUANTIS + "StreamPredict"
        work = bench.timed(
            server.target,
            method,
            Kind.BIDI,
            message,
            per_message,
            concurrency=callers,
            in_flight=in_flight,
            metadata=metadata,
        )
        streams[label] = (work, values)
    bench.warm(unary[f"c={max(concurrencies)}"], *(work for work, _ in streams.values()))
    for label, work in unary.items():
        bench.measure(
            5, system, "Predict", label, work, one, payloads.check_quantis_predict, REQUESTS, server
        )
    for label, (work, values) in streams.items():
        bench.measure(
            4, system, "StreamPredict", label, work, values, payloads.check_quantis_stream, SERIES, server
        )
    n = bench.durations.batch_series
    request = payloads.quantis_batch(demo.model_id, dataset_id, 1024).SerializeToString()
    method = payloads.QUANTIS + "BatchPredict"
    work = Workload(server.target, method, Kind.SERVER_STREAM, request, n, metadata=metadata, timeout=600)
    bench.measure(4, system, "BatchPredict", f"{n:,} series, chunk 1024", work, one, None, SERIES, server)


PROCESSES_CHANNELS = 8
PROCESSES_LABEL = f"c=64 over {PROCESSES_CHANNELS} connections"


def unary_predicts(
    bench: Bench, server: QuantisServer, demo: DemoVersion, metadata: Metadata, kind: Kind, **how: float
) -> Workload:
    """Predict calls for one series of the demo model, sent as ``kind`` with ``how``."""
    predict = payloads.quantis_predict(demo.model_id, payloads.series(1)).SerializeToString()
    return bench.timed(
        server.target, payloads.QUANTIS + "Predict", kind, predict, 1, metadata=metadata, **how
    )


def processes_row(bench: Bench, demo: DemoVersion, processes: int) -> None:
    """Unary Predict on ``processes`` serving processes sharing the port (server.processes),
    their state in Redis: 64 callers over several connections, which the kernel spreads over
    the processes."""
    system = f"Quantis in-process, {processes} processes"
    env = quantis_env("in-process") | {
        "QUANTIS_SERVER_PROCESSES": str(processes),
        "QUANTIS_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "QUANTIS_REDIS_KEY_PREFIX": f"quantis-bench-{secrets.token_hex(4)}:",
    }
    try:
        with QuantisServer(ROOT / "quantis", env) as server:
            metadata = login(server.target, ADMIN, admin_password())
            one = payloads.series(1)
            work = unary_predicts(
                bench, server, demo, metadata, Kind.UNARY, concurrency=64, channels=PROCESSES_CHANNELS
            )
            bench.warm(work)
            check = payloads.check_quantis_predict
            bench.measure(5, system, "Predict", PROCESSES_LABEL, work, one, check, REQUESTS, server)
    except Exception as exc:
        bench.add(Row(5, system, "Predict", PROCESSES_LABEL, None, REQUESTS, note=f"failed: {oneline(exc)}"))
