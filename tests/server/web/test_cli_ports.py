"""`quantis serve` and `quantis web` on an address that is taken: one line naming it, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_store.torchserve_config import free_port


@pytest.fixture
def taken() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def quantis(tmp_path: Path, *argv: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "QUANTIS_DATA_DIR": str(tmp_path / "data"),
        "QUANTIS_DEMO_MODEL": "false",
        "QUANTIS_LOG_LEVEL": "WARNING",
        **{f"QUANTIS_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-W", "error::RuntimeWarning", "-m", "server", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def assert_one_line(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 1, done.stderr
    # grpc's own log may precede it; nothing of Python's (a traceback, a warning) may follow.
    assert done.stderr.splitlines()[-1] == message, done.stderr
    for noise in ("Traceback", "Exception ignored", "Warning", "Event loop is closed"):
        assert noise not in done.stderr


def test_serve_on_a_taken_port(tmp_path: Path, taken: int) -> None:
    done = quantis(tmp_path, "serve", port=str(taken), metrics_port="-1")
    assert_one_line(
        done,
        f"quantis: cannot serve gRPC on 127.0.0.1:{taken} (QUANTIS_HOST, QUANTIS_PORT, or serve's --host, "
        "--port): the address is in use or not this machine's",
    )


def test_serve_with_its_metrics_port_taken(tmp_path: Path, taken: int) -> None:
    done = quantis(tmp_path, "serve", port=str(free_port()), metrics_port=str(taken))
    assert_one_line(
        done,
        f"quantis: cannot serve metrics on 127.0.0.1:{taken} (QUANTIS_METRICS_PORT; -1 for none): "
        "address already in use",
    )


def test_web_on_a_taken_port(tmp_path: Path, taken: int) -> None:
    done = quantis(tmp_path, "web", "--listen", f"127.0.0.1:{taken}", "--target", "127.0.0.1:9")
    assert_one_line(
        done,
        f"quantis: cannot listen on 127.0.0.1:{taken} (--listen, QUANTIS_WEB_LISTEN): address already in use",
    )
