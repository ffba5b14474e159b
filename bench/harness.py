"""The serving benchmark's measuring harness: how long each row runs (Durations), the client
process the load runs in, and Bench, which checks an answer, times a workload from that process
and keeps the rows.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.pool import Pool
from typing import Any

from bench import cpu, load, payloads
from bench.load import Kind, Workload
from bench.payloads import F32, Probe
from bench.report import SERIES, Row, format_row
from bench.systems import QuantisServer
from training import Forecaster

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
            self.add(Row(part, system, mode, label, None, unit, note=f"failed: {oneline(exc)}"))
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


def oneline(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}"


@contextlib.contextmanager
def client_process() -> Iterator[Pool]:
    """The process the load generator runs in (spawned: nothing of this process is shared)."""
    pool = multiprocessing.get_context("spawn").Pool(processes=1)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()
