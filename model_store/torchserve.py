"""Start and stop a local TorchServe: the server's own fleet of one, the tests' and the bench's.

``TorchServeProcess`` writes a ``config.properties`` with free loopback ports (REST
inference, management and metrics, gRPC inference and management), runs
``torchserve --foreground`` in its own process group, and waits until its REST and
gRPC endpoints answer. It logs to rotated files under ``<home>/logs`` (see ``log4j2.xml``
beside this module); only warnings and errors reach its standard output, kept in
``torchserve.log``. In production TorchServe runs on its own hosts and the server only
connects to it (see ``server.backends.torchserve``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from model_store.torchserve_config import LOG_CONFIG, Ports, config_text


class TorchServeUnavailable(RuntimeError):
    """TorchServe could not be started here (no Java, or it did not come up)."""


def http_call(
    url: str, method: str = "GET", body: bytes | None = None, timeout: float = 60
) -> tuple[int, bytes]:
    """One HTTP call to TorchServe's REST APIs: (status, body), HTTP errors included."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/octet-stream")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def _group_alive(launcher: subprocess.Popen[bytes]) -> bool:
    launcher.poll()  # reaps the launcher, so that only live processes keep the group
    try:
        os.killpg(launcher.pid, 0)
    except ProcessLookupError:
        return False
    return True


class TorchServeProcess:
    """A TorchServe in the foreground of a child process group, under ``home``."""

    def __init__(self, home: Path, *, workers: int = 1, ports: Ports | None = None):
        self.home = Path(home)
        self.model_store = self.home / "model-store"
        self.workers = workers
        self._ports_movable = ports is None  # chosen here, and no TorchServe has answered on them yet
        self.ports = ports or Ports.free()
        self.log_path = self.home / "torchserve.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def inference_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.inference}"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.management}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.ports.grpc_inference}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self, timeout: float = 120) -> None:
        """Start TorchServe and wait until its REST and gRPC endpoints all answer.

        A port taken by another process between choosing it and the JVM binding it stops the
        frontend; with ports of its own choosing, before any TorchServe answered on them (its
        clients may know them by then), it tries again on fresh ones.
        """
        for attempt in range(3):
            log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
            try:
                self._start_once(timeout)
                self._ports_movable = False
                return
            except TorchServeUnavailable:
                port_taken = "Address already in use" in self.log_tail(since=log_start)
                if not (self._ports_movable and port_taken) or attempt == 2:
                    raise
                self.ports = Ports.free()

    def _start_once(self, timeout: float) -> None:
        if shutil.which("java") is None:
            raise TorchServeUnavailable("java is missing (TorchServe needs Java 17)")
        self.model_store.mkdir(parents=True, exist_ok=True)
        config = self.home / "config.properties"
        config.write_text(config_text(self.ports, self.model_store, workers=self.workers))
        # The worker processes TorchServe spawns run `python`: the one this process runs.
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
        env["LOG_LOCATION"] = str(self.home / "logs")
        env["METRICS_LOCATION"] = str(self.home / "logs")
        # The launcher's pid file (TMPDIR), the workers' sockets and unpacked models (TEMP, the
        # frontend's java.io.tmpdir) go to a temporary directory; one of its own lets
        # TorchServes run side by side (tests, the bench, the server's own).
        env["TMPDIR"] = env["TEMP"] = str(self.home / "tmp")
        (self.home / "tmp").mkdir(exist_ok=True)
        command = [
            str(Path(bin_dir) / "torchserve"),
            "--start",
            "--foreground",
            "--ncs",
            "--model-store",
            str(self.model_store),
            "--ts-config",
            str(config),
            "--log-config",
            str(LOG_CONFIG),
        ]
        # Its own process group (stopped as one), in the starter's session: Linux schedules each
        # session as one group (autogroup), and a new session would get an equal share of the CPU
        # beside the server's, so the server's niced history process would take CPU from the
        # workers instead of yielding it to them.
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, cwd=self.home, env=env, stdout=log, stderr=subprocess.STDOUT, process_group=0
            )
        deadline = time.monotonic() + timeout
        # The frontend binds its endpoints one after another and exits if one fails; /ping alone
        # can answer just before that.
        while not (self.ping() and self._answers() and self._process.poll() is None):
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise TorchServeUnavailable(f"TorchServe did not start:\n{tail}")
            time.sleep(0.3)

    def ping(self) -> bool:
        try:
            return http_call(f"{self.inference_url}/ping", timeout=2)[0] == 200
        except OSError:
            return False

    def _answers(self) -> bool:
        """The management API answers and the gRPC inference port accepts connections."""
        try:
            if http_call(f"{self.management_url}/models", timeout=2)[0] != 200:
                return False
            with socket.create_connection(("127.0.0.1", self.ports.grpc_inference), timeout=2):
                return True
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """Process ids of the Python model workers (children of the Java frontend)."""
        if self._process is None:
            return []
        import psutil

        try:
            children = psutil.Process(self._process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        pids = []
        for child in children:
            try:  # a worker that has just died is gone, or a zombie until Java reaps it
                if "model_service_worker" in " ".join(child.cmdline()):
                    pids.append(child.pid)
            except psutil.Error:
                continue
        return pids

    def log_tail(self, chars: int = 3000, since: int = 0) -> str:
        """The end of the log, from byte ``since`` on."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(since)
                return log.read().decode(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        """Stop the launcher and all it started, and wait until they are gone.

        The launcher exits before its Java frontend does; a TorchServe started again on the
        same ports before the frontend has gone would find them (and its pid file) taken.
        """
        process, self._process = self._process, None
        if process is None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _group_alive(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(process):
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> TorchServeProcess:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
