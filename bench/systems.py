"""Start and stop Quantis for the benchmarks, in a process group of its own (the peer systems
are in bench/peers.py).

Every system is a context manager: leaving the ``with`` block (normally, on an error or
on Ctrl-C) stops its whole process group, so no server outlives the benchmark.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from model_store.torchserve import http_call
from model_store.torchserve_config import free_port

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "var" / "bench"


def wait_until(ready: Callable[[], bool], what: str, timeout: float, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if not alive():
            raise RuntimeError(f"{what} exited while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become ready in {timeout:.0f} s")
        time.sleep(0.3)


class ProcessGroup:
    """A child started in a session of its own, stopped with its whole group."""

    name = "process"

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def _spawn(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _start(self, command: list[str], env: dict[str, str], cwd: Path, ready: Callable[[], bool]) -> None:
        """Spawn ``command`` and wait up to 3 minutes for ``ready``; if it never is, stop it and
        raise with the end of its log."""
        self._spawn(command, env, cwd)
        try:
            wait_until(ready, self.name, 180, self.alive)
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"{exc}\n{self.log_tail()}") from exc

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop(self, timeout: float = 30) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
        # Workers that ignored SIGTERM (or outlived their parent) go with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class BatcherTotals:
    """Forward passes a Quantis server's dynamic batcher sent, the series in them, and the
    seconds the backend took for them (the passes' wall time)."""

    passes: int
    series: int
    seconds: float

    def since(self, earlier: BatcherTotals) -> str:
        """The passes between ``earlier`` and these, as a note for a benchmark row."""
        passes = self.passes - earlier.passes
        if passes <= 0:
            return "no forward pass"
        series = (self.series - earlier.series) / passes
        ms = (self.seconds - earlier.seconds) / passes * 1000
        return f"{passes:,} passes of {series:,.1f} series, {ms:.1f} ms each"


@dataclass(frozen=True)
class HistoryBacklog:
    queued: int
    """Rows answered, not yet stored."""
    dropped: int
    """Rows answered that will never be stored (counter)."""
    spooled: int
    """Rows that waited on disk for the history (counter)."""


class QuantisServer(ProcessGroup):
    """``quantis serve`` on a free port with its data under ``data_dir``, from the server code in
    ``repo`` (this checkout unless given: another checkout's code runs with this environment)."""

    name = "Quantis"

    def __init__(self, data_dir: Path, env: dict[str, str], repo: Path = REPO) -> None:
        super().__init__(data_dir / "server.log")
        self.data_dir = data_dir
        self.repo = repo
        self.port = free_port()
        self.processes = int(env.get("QUANTIS_SERVER_PROCESSES", "1"))
        self.metrics_port = free_port(run=self.processes)  # process i serves on metrics_port + i
        self.env = env

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        """The server's database: the one configured, else the embedded SQLite in its data directory."""
        return self.env.get("QUANTIS_DATABASE_URL") or f"sqlite:///{self.data_dir / 'quantis.db'}"

    def _serving(self) -> bool:
        """SERVING on grpc.health.v1, and every serving process's metrics endpoint answering (the
        other processes start once the first serves)."""
        try:
            with grpc.insecure_channel(self.target) as channel:
                answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
            if answer.status != health_pb2.HealthCheckResponse.SERVING:
                return False
            if self.processes > 1:
                self._metrics()
            return True
        except (grpc.RpcError, OSError):
            return False

    def __enter__(self) -> QuantisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            "QUANTIS_DATA_DIR": str(self.data_dir),
            "QUANTIS_PORT": str(self.port),
            "QUANTIS_METRICS_PORT": str(self.metrics_port),
        }
        self._start([sys.executable, "-m", "server", "serve"], env, self.repo, self._serving)
        return self

    def _metrics(self) -> dict[str, float]:
        """Every sample of the metrics endpoints by name (the last one of a name wins in each),
        summed over the serving processes."""
        found: dict[str, float] = {}
        for port in range(self.metrics_port, self.metrics_port + self.processes):
            status, body = http_call(f"http://127.0.0.1:{port}/metrics", timeout=10)
            if status != 200:
                raise RuntimeError(f"metrics endpoint answered {status}")
            samples = {
                sample.name: sample.value
                for family in text_string_to_metric_families(body.decode())
                for sample in family.samples
            }
            for name, value in samples.items():
                found[name] = found.get(name, 0.0) + value
        return found

    def history_backlog(self) -> HistoryBacklog:
        """The prediction history's backlog and counters, from the metrics endpoint."""
        found = self._metrics()
        return HistoryBacklog(
            int(found["quantis_prediction_history_queued_rows"]),
            int(found["quantis_prediction_history_dropped_rows_total"]),
            int(found.get("quantis_prediction_history_spooled_rows_total", 0)),  # none before the spool
        )

    def batcher_totals(self) -> BatcherTotals:
        """The dynamic batcher's forward passes so far, from the metrics endpoint."""
        found = self._metrics()
        return BatcherTotals(
            int(found["quantis_batch_size_count"]),
            int(found["quantis_batch_size_sum"]),
            found["quantis_backend_latency_seconds_sum"],
        )

    def settle_history(self, timeout: float = 300) -> HistoryBacklog:
        """Wait until every prediction answered so far is stored; the counters then."""
        deadline = time.monotonic() + timeout
        while (backlog := self.history_backlog()).queued > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"prediction history still {backlog.queued} rows behind after {timeout:.0f} s"
                )
            time.sleep(0.2)
        return backlog
