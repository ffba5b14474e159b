"""The serving benchmark's rows of the other systems: the calibration against a gRPC echo
server (bench/echo.py), TorchServe called directly and MLServer (bench/peers.py).
"""

from __future__ import annotations

from pathlib import Path

from bench import payloads
from bench.echo import METHOD as ECHO
from bench.echo import echo_server
from bench.harness import Bench
from bench.load import Kind
from bench.peers import MLServerProcess, TorchServeDirect
from bench.report import REQUESTS, SERIES
from bench.systems import ROOT

TS_MODEL = "quantis_bench"


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
