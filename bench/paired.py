"""Two versions of the server under the same unary Predict load at the same time: the server CPU
each spends per request, the new one's over the old one's.

    git worktree add /tmp/old <commit>
    .venv/bin/python -m bench.paired /tmp/old .

This machine's speed moves by tens of percent from minute to minute, so two versions measured
one after the other differ by more than most changes do. Measured side by side, each window
loads both at once (``--callers`` each, from two client processes), and the ratio of their CPU
per request (each server's whole process tree, the history writer included) is compared
within the window, as is the CPU of each server's event-loop thread, the limit of its unary
throughput. Both servers run with this checkout's environment.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import statistics
import sys
from pathlib import Path

import psutil

from bench import payloads
from bench.cpu import cpu_by_role
from bench.load import Kind, Workload, run
from bench.quantis_rows import ADMIN, admin_password, quantis_env
from bench.quantis_setup import login, wait_for_demo
from bench.systems import ROOT, QuantisServer


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) spent so far by ``pid`` and its living descendants."""
    return sum(cpu_by_role(pid).values())


def main_thread_cpu(pid: int) -> float:
    """CPU seconds spent so far by the main thread of ``pid``: a server's event loop, which
    limits its unary throughput (0 once the process is gone)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        for thread in psutil.Process(pid).threads():
            if thread.id == pid:
                return float(thread.user_time + thread.system_time)
    return 0.0


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
        ratios: list[float] = []
        loop_ratios: list[float] = []
        for window in range(args.windows):
            pids = [server.pid or 0 for server in servers]
            before = [(process_tree_cpu(pid), main_thread_cpu(pid)) for pid in pids]
            pending = [pool.apply_async(run, (work,)) for pool, work in zip(clients, loads, strict=True)]
            measured = [result.get() for result in pending]
            after = [(process_tree_cpu(pid), main_thread_cpu(pid)) for pid in pids]
            tree, loop = (
                [
                    (a[i] - b[i]) / max(m.requests, 1) * 1e6
                    for a, b, m in zip(after, before, measured, strict=True)
                ]
                for i in (0, 1)
            )
            ratios.append(tree[1] / tree[0])
            loop_ratios.append(loop[1] / loop[0] if loop[0] else 0.0)
            old, new = measured
            print(
                f"window {window + 1}: old {old.requests_per_second:,.0f} req/s, "
                f"{tree[0]:,.0f} us/req (loop {loop[0]:,.0f}), p99 {old.percentile(99) or 0:.1f} ms | "
                f"new {new.requests_per_second:,.0f} req/s, {tree[1]:,.0f} us/req (loop {loop[1]:,.0f}), "
                f"p99 {new.percentile(99) or 0:.1f} ms | "
                f"new/old CPU per request {ratios[-1]:.3f} (loop {loop_ratios[-1]:.3f})",
                flush=True,
            )
        for what, found in (("CPU per request", ratios), ("event-loop CPU per request", loop_ratios)):
            print(
                f"new/old {what}: median {statistics.median(found):.3f}, "
                f"range {min(found):.3f}-{max(found):.3f} over {len(found)} windows"
            )
        return 0
    finally:
        for pool in clients:
            pool.terminate()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
