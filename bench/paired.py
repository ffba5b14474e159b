"""Two versions of the server under the same unary Predict load at the same time: the server CPU
each spends per request, the new one's over the old one's.

    git worktree add /tmp/old <commit>
    .venv/bin/python -m bench.paired /tmp/old .

This machine's speed moves by tens of percent from minute to minute, so two versions measured
one after the other differ by more than most changes do. Measured side by side, each window
loads both at once (``--callers`` each, from two client processes), and the ratio of their CPU
per request (each server's whole process tree, the history writer included) is compared
within the window. Both servers run with this checkout's environment.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
from pathlib import Path

from bench import payloads
from bench.cpu import cpu_by_role
from bench.load import Kind, Workload, run
from bench.quantis_rows import ADMIN, admin_password, quantis_env
from bench.quantis_setup import login, wait_for_demo
from bench.systems import ROOT, QuantisServer


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) spent so far by ``pid`` and its living descendants."""
    return sum(cpu_by_role(pid).values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", type=Path, help="checkout of the old version")
    parser.add_argument("new", type=Path, help="checkout of the new version")
    parser.add_argument("--callers", type=int, default=32, help="callers per server (default 32)")
    parser.add_argument("--windows", type=int, default=6, help="measured windows (default 6)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of a window (default 10)")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    clients = [context.Pool(processes=1), context.Pool(processes=1)]
    servers: list[QuantisServer] = []
    try:
        loads = []
        for name, repo in (("old", args.old), ("new", args.new)):
            data = ROOT / "paired" / name
            shutil.rmtree(data, ignore_errors=True)
            print(f"starting the {name} server ({repo})", flush=True)
            server = QuantisServer(data, quantis_env("in-process"), repo=repo.resolve())
            servers.append(server.__enter__())
            metadata = login(server.target, ADMIN, admin_password())
            demo = wait_for_demo(server.target, metadata, timeout=300)
            request = payloads.quantis_predict(demo.model_id, payloads.series(1)).SerializeToString()
            loads.append(
                Workload(
                    server.target,
                    payloads.QUANTIS + "Predict",
                    Kind.UNARY,
                    request,
                    1,
                    concurrency=args.callers,
                    seconds=args.seconds,
                    warmup=1.0,
                    metadata=metadata,
                )
            )
        ratios = []
        for window in range(args.windows):
            before = [process_tree_cpu(server.pid or 0) for server in servers]
            pending = [pool.apply_async(run, (work,)) for pool, work in zip(clients, loads, strict=True)]
            measured = [result.get() for result in pending]
            after = [process_tree_cpu(server.pid or 0) for server in servers]
            per_request = [
                (a - b) / max(m.requests, 1) * 1e6 for a, b, m in zip(after, before, measured, strict=True)
            ]
            ratios.append(per_request[1] / per_request[0])
            old, new = measured
            print(
                f"window {window + 1}: old {old.requests_per_second:,.0f} req/s, "
                f"{per_request[0]:,.0f} us/req, p99 {old.percentile(99) or 0:.1f} ms | "
                f"new {new.requests_per_second:,.0f} req/s, {per_request[1]:,.0f} us/req, "
                f"p99 {new.percentile(99) or 0:.1f} ms | "
                f"new/old CPU per request {ratios[-1]:.3f}",
                flush=True,
            )
        print(
            f"new/old CPU per request: median {statistics.median(ratios):.3f}, "
            f"range {min(ratios):.3f}-{max(ratios):.3f} over {len(ratios)} windows"
        )
        return 0
    finally:
        for pool in clients:
            pool.terminate()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
