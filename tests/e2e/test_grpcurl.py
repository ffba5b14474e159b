"""An operator's view: grpcurl against `quantis serve`, through reflection only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from server.db.migrate import current_revision, head_revision
from tests.e2e.conftest import ServerProcess

pytestmark = pytest.mark.e2e


def run(grpcurl: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [grpcurl, "-plaintext", *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_list_describe_and_health(server_process: ServerProcess, grpcurl: str) -> None:
    listed = run(grpcurl, server_process.address, "list")
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) == {
        *(
            f"quantis.v1.{s}Service"
            for s in ("Auth", "Dataset", "Model", "Prediction", "Financial", "Monitoring")
        ),
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }

    described = run(grpcurl, server_process.address, "describe", "quantis.v1.PredictionService.Predict")
    assert described.returncode == 0, described.stderr
    assert (
        "rpc Predict ( .quantis.v1.PredictRequest ) returns ( .quantis.v1.PredictResponse )"
        in described.stdout
    )

    message = run(grpcurl, server_process.address, "describe", "quantis.v1.Series")
    assert "repeated double values" in message.stdout

    health = run(grpcurl, "-d", "{}", server_process.address, "grpc.health.v1.Health/Check")
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout) == {"status": "SERVING"}


def test_unimplemented_rpc_answers_cleanly(server_process: ServerProcess, grpcurl: str) -> None:
    called = run(grpcurl, "-d", "{}", server_process.address, "quantis.v1.FinancialService/GetLimits")
    assert called.returncode != 0
    assert "Code: Unimplemented" in called.stderr


def test_start_applies_migrations(server_process: ServerProcess, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'quantis.db'}"
    assert current_revision(url) == head_revision()


def test_sigterm_stops_cleanly(server_process: ServerProcess) -> None:
    assert server_process.stop() == 0
    messages = [line.get("message") for line in server_process.log_lines]
    assert messages[-2:] == ["draining", "stopped"]
