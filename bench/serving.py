"""Serving benchmark: the demo LSTM served five ways on this machine, in one run.

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
import os
import shutil
import signal
import sys
import time
import traceback
from types import FrameType

from bench import payloads
from bench.forward import forward_rows
from bench.harness import FULL, QUICK, Bench, Durations, client_process, oneline
from bench.history import history_row
from bench.peer_rows import echo_rows, mlserver_rows, torchserve_rows
from bench.quantis_rows import ADMIN, admin_password, processes_row, quantis_env, quantis_rows
from bench.quantis_setup import login, upload_dataset, wait_for_demo
from bench.report import SERIES, Row, table, targets
from bench.systems import REPO, ROOT, QuantisServer
from training import load_artifact
from training.models.deep import DeepForecaster

TORCHSERVE_BACKEND = REPO / "server" / "backends" / "torchserve.py"


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
                failed = f"failed: {oneline(exc)}"
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
                bench.add(Row(2, "TorchServe", "all", "-", None, SERIES, note=f"failed: {oneline(exc)}"))
        if 3 in parts:
            try:
                mlserver_rows(bench, artifact)
            except Exception as exc:
                bench.add(Row(3, "MLServer", "all", "-", None, SERIES, note=f"failed: {oneline(exc)}"))
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
                    bench.add(Row(4, system, "all", "-", None, SERIES, note=f"failed: {oneline(exc)}"))
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
