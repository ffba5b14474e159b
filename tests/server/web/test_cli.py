"""`quantis web --serve`: one command gives a gRPC server and the gRPC-web bridge in front of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from grpc_health.v1 import health_pb2

from model_store.torchserve_config import free_port
from server.cli import main
from tests.server.web.grpc_web import BINARY, frame, parse_body


def test_web_serve_runs_both_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "QUANTIS_PORT": str(free_port()),
        "QUANTIS_DATA_DIR": str(tmp_path / "data"),
        "QUANTIS_METRICS_PORT": "-1",
        "QUANTIS_DEMO_MODEL": "false",
        "QUANTIS_WEB_STATIC_DIR": str(tmp_path / "dist"),
    }
    command = [sys.executable, "-m", "server", "web", "--serve", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        messages: dict[str, dict[str, object]] = {}
        deadline = time.monotonic() + 60
        while not {"web serving", "serving"} <= messages.keys() and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, f"quantis web exited: {messages}"
            if line.startswith("{"):
                entry = json.loads(line)
                messages[str(entry["message"])] = entry
        web = f"http://{messages['web serving']['address']}"
        assert messages["web serving"]["target"] == messages["serving"]["address"]

        check = urllib.request.Request(
            f"{web}/grpc.health.v1.Health/Check",
            data=frame(health_pb2.HealthCheckRequest()),
            headers={"content-type": BINARY},
        )
        with urllib.request.urlopen(check, timeout=10) as response:
            replies, trailers = parse_body(response.read())
        assert trailers["grpc-status"] == "0"
        assert (
            health_pb2.HealthCheckResponse.FromString(replies[0]).status
            == health_pb2.HealthCheckResponse.SERVING
        )
        with urllib.request.urlopen(f"{web}/", timeout=10) as index:
            assert "dashboard is not built" in index.read().decode()

        process.send_signal(signal.SIGTERM)
        remaining = process.stderr.read()
        assert process.wait(timeout=30) == 0
        assert '"web stopped"' in remaining
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_listen_must_be_host_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["web", "--listen", "8080"])
    assert exited.value.code == 2 and "--listen" in capsys.readouterr().err


def test_serve_refuses_what_the_bridge_cannot_reach(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QUANTIS_PORT", "0")
    with pytest.raises(SystemExit) as exited:
        main(["web", "--serve"])
    assert exited.value.code == 2 and "fixed gRPC port" in capsys.readouterr().err
    monkeypatch.setenv("QUANTIS_PORT", "50051")
    monkeypatch.setenv("QUANTIS_TLS_CERT_FILE", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("QUANTIS_TLS_KEY_FILE", str(tmp_path / "key.pem"))
    with pytest.raises(SystemExit) as exited:
        main(["web", "--serve"])
    assert exited.value.code == 2 and "plaintext" in capsys.readouterr().err
