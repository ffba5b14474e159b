"""Serving benchmark (issue 6): the demo LSTM served five ways on this machine, in one run.

    python -m bench.serving [--quick] [--parts 1,2,3,4,5]

0. calibration: the client against a gRPC server that answers with the request (no model);
1. the model in this process (predict_packed and the network alone), batch 1, 64 and 1024,
   1 and 2 torch threads: the ceiling;
2. TorchServe called directly over its gRPC API: one JSON series per request, and packed
   .npz batches;
3. MLServer with a small custom runtime (bench/mlserver_runtime.py) over its V2 gRPC API,
   with and without adaptive batching, 1 and 256 series per request, in its own virtual
   environment (var/bench/mlserver-venv, made on first use);
4. Quantis StreamPredict and BatchPredict, on the in-process and the TorchServe backend, and
   its prediction history process storing streamed requests alone (bench/history.py);
5. Quantis unary Predict, authenticated, with the 0.1/0.9 quantiles, at concurrency 1, 16, 64.

Quantis trains and deploys its demo model at start; that artifact is the one every system
serves. Clients run in a separate process (bench/load.py). Quantis stores every answer's
history behind the request path: before and after each of its rows the benchmark waits
until that history is stored (the server's quantis_prediction_history_queued_rows metric),
so no row is timed while an earlier row's history is still being written, and a row whose
history lost rows says so in its note. Everything started lives under var/bench/ and is
stopped at the end, on a failure and on Ctrl-C. Prints one Markdown table, then the targets
as ratios of this run's rows with PASS or MISS.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import secrets
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.pool import Pool
from pathlib import Path
from types import FrameType
from typing import Any

from bench import cpu, load, payloads
from bench.echo import METHOD as ECHO
from bench.echo import echo_server
from bench.forward import forward_rows
from bench.history import history_row
from bench.load import Kind, Metadata, Workload
from bench.payloads import F32, Probe
from bench.quantis_setup import DemoVersion, login, upload_dataset, wait_for_demo
from bench.report import REQUESTS, SERIES, Row, format_row, table, targets
from bench.systems import REPO, MLServerProcess, QuantisServer, TorchServeDirect
from training import Forecaster, load_artifact
from training.models.deep import DeepForecaster

ROOT = REPO / "var" / "bench"
TORCHSERVE_BACKEND = REPO / "server" / "backends" / "torchserve.py"
TS_MODEL = "quantis_bench"
ADMIN = "bench_admin"

Check = Callable[[bytes, tuple[F32, F32]], None]


@dataclass(frozen=True)
class Durations:
    seconds: float
    warmup: float
    system_warmup: float
    forward_seconds: float
    batch_series: int


# A system's first seconds are slow (a new thread's first torch calls, lazily built state):
# each system gets ``system_warmup`` seconds of load before its first row, each row ``warmup``.
FULL = Durations(seconds=8.0, warmup=2.0, system_warmup=6.0, forward_seconds=2.0, batch_series=20_000)
QUICK = Durations(seconds=2.0, warmup=0.5, system_warmup=1.0, forward_seconds=0.3, batch_series=2_000)


class Bench:
    """Measures workloads from the client process and keeps the rows."""

    def __init__(self, clients: Pool, durations: Durations, model: Forecaster) -> None:
        self.clients, self.durations, self.model = clients, durations, model
        self.client_pid: int = clients.apply(os.getpid)
        self.rows: list[Row] = []

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(format_row(row), flush=True)

    def measure(
        self,
        part: int,
        system: str,
        mode: str,
        label: str,
        work: Workload,
        values: F32,
        check: Check | None,
        unit: str,
        server: QuantisServer | None = None,
        system_pid: int | None = None,
    ) -> None:
        """Check one answer from this process, then time ``work`` from the client process.

        With a Quantis ``server``, the row waits until the server has stored the history of
        every answer so far, before timing (so a row is not timed while the previous one's
        history is still being written) and after (to count its losses), and its note tells
        how the dynamic batcher gathered the load into forward passes. The note also tells the
        CPU each role of the system (``server``'s processes, else those under ``system_pid``)
        and the client spent per unit (bench.cpu).
        """
        root = server.pid if server is not None else system_pid
        try:
            if check is not None:
                probe = Probe(work.target, work.method, work.payload, work.metadata)
                check(
                    payloads.call_once(probe, stream=work.kind is Kind.BIDI),
                    payloads.expected(self.model, values),
                )
            history = server.settle_history() if server is not None else None
            before = server.batcher_totals() if server is not None else None
            spent_before = cpu.cpu_by_role(root, self.client_pid)
            measured: load.Measured = self.clients.apply(load.run, (work,))
            spent_after = cpu.cpu_by_role(root, self.client_pid)
            passes = "" if server is None or before is None else server.batcher_totals().since(before)
            ended = time.monotonic()
            after = server.settle_history() if server is not None else None
            settled = time.monotonic() - ended
        except Exception as exc:  # one failed row must not lose the others
            self.add(Row(part, system, mode, label, None, unit, note=f"failed: {_oneline(exc)}"))
            return
        rate: float | None = measured.series_per_second if unit == SERIES else measured.requests_per_second
        if work.kind is Kind.SERVER_STREAM:  # one call, read to its end: all of it is measured
            units = float(measured.series if unit == SERIES else measured.requests)
        else:  # the CPU times include the warmup, the rate only the measured seconds
            units = (rate or 0.0) * (work.warmup + work.seconds)
        notes = [
            f"{measured.errors} errors ({measured.first_error})" if measured.errors else "",
            passes,
            cpu.per_unit(spent_before, spent_after, units, "series" if unit == SERIES else "request"),
        ]
        if history is not None and after is not None:
            spooled, dropped = after.spooled - history.spooled, after.dropped - history.dropped
            notes.append(
                f"{spooled:,} history rows spooled, stored by {settled:.0f} s after the row"
                if spooled
                else ""
            )
            notes.append(f"{dropped:,} history rows dropped" if dropped else "")
        note = "; ".join(part for part in notes if part)
        if not measured.requests:
            rate, note = None, note or "no answer in the measured window"
        self.add(
            Row(part, system, mode, label, rate, unit, measured.percentile(50), measured.percentile(99), note)
        )

    def warm(self, *works: Workload) -> None:
        """Load a freshly started system before its first row; nothing is recorded."""
        for work in works:
            self.clients.apply(load.run, (replace(work, seconds=self.durations.system_warmup, warmup=0.0),))

    def timed(
        self, target: str, method: str, kind: Kind, payload: bytes, per_request: int, **kw: Any
    ) -> Workload:
        return Workload(
            target,
            method,
            kind,
            payload,
            per_request,
            seconds=self.durations.seconds,
            warmup=self.durations.warmup,
            **kw,
        )


def _oneline(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}"


# -- the systems ---------------------------------------------------------------------------------


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
        bench.add(Row(5, system, "Predict", PROCESSES_LABEL, None, REQUESTS, note=f"failed: {_oneline(exc)}"))


def echo_rows(bench: Bench) -> None:
    """Part 0, the calibration: the client against a server that runs no model."""
    with echo_server() as (target, pid):
        calls = {c: bench.timed(target, ECHO, Kind.UNARY, b"x" * 600, 1, concurrency=c) for c in (1, 64)}
        bench.warm(calls[64])
        for c, work in calls.items():
            one = payloads.series(1)
            row = ("gRPC echo, no model", "calibration", f"c={c}")
            bench.measure(0, *row, work, one, None, REQUESTS, system_pid=pid)


def torchserve_rows(bench: Bench, mar: Path) -> None:
    with TorchServeDirect(ROOT / "torchserve", mar, TS_MODEL, workers=2) as ts:
        one = payloads.series(1)
        body = payloads.torchserve_json(TS_MODEL, one).SerializeToString()
        json_calls = {
            c: bench.timed(ts.target, payloads.TS_PREDICTIONS, Kind.UNARY, body, 1, concurrency=c)
            for c in (1, 64)
        }
        packed_calls = {}
        for n, c in ((256, 4), (1024, 4)):
            values = payloads.series(n)
            packed = payloads.torchserve_packed(TS_MODEL, values).SerializeToString()
            work = bench.timed(ts.target, payloads.TS_PREDICTIONS, Kind.UNARY, packed, n, concurrency=c)
            packed_calls[f"{n} x c={c}"] = (work, values)
        bench.warm(json_calls[64], *(work for work, _ in packed_calls.values()))
        for c, work in json_calls.items():
            check = payloads.check_torchserve_json
            row = ("TorchServe", "JSON, 1 series", f"c={c}")
            bench.measure(2, *row, work, one, check, REQUESTS, system_pid=ts.process.pid)
        for label, (work, values) in packed_calls.items():
            check = payloads.check_torchserve_packed
            row = ("TorchServe", "packed .npz", label)
            bench.measure(2, *row, work, values, check, SERIES, system_pid=ts.process.pid)


def mlserver_rows(bench: Bench, artifact: Path) -> None:
    models = {"no batching": ("forecast", 0, 0.0), "adaptive batching": ("forecast-batched", 64, 0.002)}
    settings = {name: (size, delay) for name, size, delay in models.values()}
    system = MLServerProcess(
        ROOT / "mlserver", ROOT / "mlserver-venv", artifact, settings, payloads.HORIZON, payloads.QUANTILES
    )
    with system as ml:
        calls = []
        for mode, (name, _, _) in models.items():
            for n, c in ((1, 64), (256, 4)):
                values = payloads.series(n)
                request = payloads.mlserver_infer(name, values).SerializeToString()
                work = bench.timed(ml.target, payloads.V2_INFER, Kind.UNARY, request, n, concurrency=c)
                calls.append((mode, f"{n} x c={c}", work, values, REQUESTS if n == 1 else SERIES))
        bench.warm(*(work for _, _, work, _, _ in calls))
        for mode, label, work, values, unit in calls:
            check = payloads.check_mlserver
            bench.measure(3, "MLServer", mode, label, work, values, check, unit, system_pid=ml.pid)


# -- the run ---------------------------------------------------------------------------------------


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


@contextlib.contextmanager
def client_process() -> Iterator[Pool]:
    """The process the load generator runs in (spawned: nothing of this process is shared)."""
    pool = multiprocessing.get_context("spawn").Pool(processes=1)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(durations: Durations, parts: set[int]) -> list[Row]:
    shutil.rmtree(ROOT / "quantis", ignore_errors=True)
    with client_process() as clients:
        print("starting Quantis (it trains and deploys its demo model)", flush=True)
        with QuantisServer(ROOT / "quantis", quantis_env("in-process")) as server:
            metadata = login(server.target, ADMIN, admin_password())
            demo = wait_for_demo(server.target, metadata, timeout=300)
            artifact, mar = payloads.artifact_of(demo.artifact_uri), payloads.artifact_of(demo.mar_uri)
            model = load_artifact(artifact)
            bench = Bench(clients, durations, model)
            dataset_id = upload_dataset(server.target, metadata, payloads.series(durations.batch_series))
            print("rows as they are measured:", flush=True)
            if parts & {4, 5}:
                quantis_rows(bench, server, "Quantis in-process", demo, dataset_id, (1, 16, 64), (300.0,))
        if 5 in parts:
            processes_row(bench, demo, 2)
        if 4 in parts:
            try:
                bench.add(history_row(server.database_url, demo, durations.seconds))
            except Exception as exc:
                failed = f"failed: {_oneline(exc)}"
                bench.add(Row(4, "Quantis history process", "stores alone", "-", None, SERIES, note=failed))
        echo_rows(bench)
        if 1 in parts:
            assert isinstance(model, DeepForecaster)
            for row in forward_rows(model, durations.forward_seconds):
                bench.add(row)
        if 2 in parts:
            try:
                torchserve_rows(bench, mar)
            except Exception as exc:
                bench.add(Row(2, "TorchServe", "all", "-", None, SERIES, note=f"failed: {_oneline(exc)}"))
        if 3 in parts:
            try:
                mlserver_rows(bench, artifact)
            except Exception as exc:
                bench.add(Row(3, "MLServer", "all", "-", None, SERIES, note=f"failed: {_oneline(exc)}"))
        if parts & {4, 5}:
            system = "Quantis on TorchServe"
            if not TORCHSERVE_BACKEND.exists():
                for mode in ("Predict", "StreamPredict", "BatchPredict"):
                    bench.add(
                        Row(
                            4 if mode != "Predict" else 5,
                            system,
                            mode,
                            "-",
                            None,
                            SERIES,
                            note="n/a (backend missing)",
                        )
                    )
            else:
                try:
                    with QuantisServer(ROOT / "quantis", quantis_env("torchserve")) as server:
                        quantis_rows(bench, server, system, demo, dataset_id, (64,))
                except Exception as exc:
                    bench.add(Row(4, system, "all", "-", None, SERIES, note=f"failed: {_oneline(exc)}"))
    return bench.rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="short durations and a small dataset (smoke run)"
    )
    parser.add_argument("--parts", default="1,2,3,4,5", help="which parts to run (Quantis always starts)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    try:
        rows = run(QUICK if args.quick else FULL, {int(p) for p in args.parts.split(",")})
    except KeyboardInterrupt:
        print("\ninterrupted; every process started was stopped", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        return 1
    kind = "quick" if args.quick else "full"
    load_before, load_after = load_at_start, os.getloadavg()[0]
    print(
        f"\nserving benchmark, {kind} run, {time.perf_counter() - started:.0f} s, {os.cpu_count()} CPUs, "
        f"1-minute load average {load_before:.1f} at the start and {load_after:.1f} at the end\n"
    )
    print(table(rows))
    print()
    for line in targets(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
