"""One Quantis server under unary Predict in rounds of changing concurrency: how the dynamic
batcher's passes follow the load.

    .venv/bin/python -m bench.rounds [--callers 1,16,64,64] [--seconds 8]

Each round's callers wait for their answer before the next request (bench.load, in a client
process of its own), as in the serving benchmark's unary rows. A round prints its requests/s,
p50 and p99, the server's CPU per request (its process tree, and its event-loop thread, the
limit of unary throughput) and the passes the batcher sent in it, from the metrics endpoint.
The serving benchmark's unary rows follow its 1- and 16-caller rows in this way; here the
order and the lengths are the caller's to choose, so that a change of load can be repeated.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys

from bench import payloads
from bench.load import Kind, Workload, run
from bench.paired import main_thread_cpu, process_tree_cpu
from bench.quantis_rows import ADMIN, admin_password, quantis_env
from bench.quantis_setup import login, wait_for_demo
from bench.systems import ROOT, QuantisServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--callers", default="1,16,64,64", help="callers in each round, in order")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of a round (default 8)")
    args = parser.parse_args(argv)
    rounds = [int(c) for c in args.callers.split(",")]
    data = ROOT / "rounds"
    shutil.rmtree(data, ignore_errors=True)
    clients = multiprocessing.get_context("spawn").Pool(processes=1)
    try:
        with QuantisServer(data, quantis_env("in-process")) as server:
            metadata = login(server.target, ADMIN, admin_password())
            demo = wait_for_demo(server.target, metadata, timeout=300)
            request = payloads.quantis_predict(demo.model_id, payloads.series(1)).SerializeToString()
            pid = server.pid or 0
            for number, callers in enumerate(rounds, 1):
                work = Workload(
                    server.target,
                    payloads.QUANTIS + "Predict",
                    Kind.UNARY,
                    request,
                    1,
                    concurrency=callers,
                    seconds=args.seconds,
                    warmup=1.0,
                    metadata=metadata,
                )
                before = process_tree_cpu(pid), main_thread_cpu(pid), server.batcher_totals()
                measured = clients.apply(run, (work,))
                tree, loop = process_tree_cpu(pid) - before[0], main_thread_cpu(pid) - before[1]
                requests = max(measured.requests, 1)
                print(
                    f"round {number}, {callers} caller{'s' if callers != 1 else ''}: "
                    f"{measured.requests_per_second:,.0f} req/s, "
                    f"p50 {measured.percentile(50) or 0:.1f} ms, p99 {measured.percentile(99) or 0:.1f} ms; "
                    f"CPU per request {tree / requests * 1e6:,.0f} us "
                    f"(event loop {loop / requests * 1e6:,.0f}); "
                    f"{server.batcher_totals().since(before[2])} (CPU and passes include the 1 s warmup)",
                    flush=True,
                )
        return 0
    finally:
        clients.terminate()


if __name__ == "__main__":
    sys.exit(main())
