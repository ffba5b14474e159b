"""An operator's view: grpcurl against `quantis serve`, through reflection only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.db.migrate import current_revision, head_revision
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USERNAME, WITH_ADMIN, ServerProcess, launch

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the checks that only read (listing, describing, logging in)."""
    with launch(tmp_path_factory.mktemp("grpcurl"), WITH_ADMIN) as running:
        yield running


def run(grpcurl: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [grpcurl, "-plaintext", *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_list_describe_and_health(shared_server: ServerProcess, grpcurl: str) -> None:
    listed = run(grpcurl, shared_server.address, "list")
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) == {
        *(
            f"quantis.v1.{s}Service"
            for s in ("Auth", "Dataset", "Model", "Prediction", "Financial", "Monitoring")
        ),
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }

    described = run(grpcurl, shared_server.address, "describe", "quantis.v1.PredictionService.Predict")
    assert described.returncode == 0, described.stderr
    assert (
        "rpc Predict ( .quantis.v1.PredictRequest ) returns ( .quantis.v1.PredictResponse )"
        in described.stdout
    )

    message = run(grpcurl, shared_server.address, "describe", "quantis.v1.Series")
    assert "repeated double values" in message.stdout

    health = run(grpcurl, "-d", "{}", shared_server.address, "grpc.health.v1.Health/Check")
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout) == {"status": "SERVING"}


def test_log_in_and_call_with_the_token(shared_server: ServerProcess, grpcurl: str) -> None:
    """The first admin comes from QUANTIS_ADMIN_* settings; grpcurl logs in and uses the token."""
    anonymous = run(grpcurl, "-d", "{}", shared_server.address, "quantis.v1.AuthService/GetCurrentUser")
    assert "Code: Unauthenticated" in anonymous.stderr and "CREDENTIALS_MISSING" in anonymous.stderr

    credentials = json.dumps({"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD})
    login = run(grpcurl, "-d", credentials, shared_server.address, "quantis.v1.AuthService/Login")
    assert login.returncode == 0, login.stderr
    token = json.loads(login.stdout)["tokens"]["access_token"]

    header = f"authorization: Bearer {token}"
    me = run(
        grpcurl, "-H", header, "-d", "{}", shared_server.address, "quantis.v1.AuthService/GetCurrentUser"
    )
    assert me.returncode == 0, me.stderr
    user = json.loads(me.stdout)["user"]
    assert (user["username"], user["role"]) == (ADMIN_USERNAME, "ROLE_ADMIN")

    health = run(
        grpcurl,
        "-H",
        header,
        "-d",
        "{}",
        shared_server.address,
        "quantis.v1.MonitoringService/GetSystemHealth",
    )
    assert health.returncode == 0, health.stderr
    components = {c["name"]: c["status"] for c in json.loads(health.stdout)["components"]}
    assert components["database"] == "HEALTH_STATUS_SERVING"


def test_start_migrates_and_sigterm_stops_cleanly(server_process: ServerProcess, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'quantis.db'}"
    assert current_revision(url) == head_revision()
    assert server_process.stop() == 0
    messages = [line.get("message") for line in server_process.log_lines]
    assert messages[-2:] == ["draining", "stopped"]


def test_cli_creates_an_admin_without_loading_the_serving_stack(tmp_path: Path) -> None:
    """An operator command that writes one row starts in about a second: no torch, no backends."""
    env = {**os.environ, "QUANTIS_DATA_DIR": str(tmp_path / "data")}
    args = ["users", "create-admin", "--username", "ops", "--email", "ops@example.com", "--password-stdin"]
    then_list_loaded = (
        "import sys\n"
        "from server.cli import main\n"
        "main(sys.argv[1:])\n"
        "print(sorted(m for m in ('torch', 'statsforecast', 'server.composition') if m in sys.modules))\n"
    )
    created = subprocess.run(
        [sys.executable, "-c", then_list_loaded, *args],
        input=ADMIN_PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created admin ops")
    assert created.stdout.splitlines()[1:] == ["[]"]
    weak = subprocess.run(
        [sys.executable, "-m", "server", *args],
        input="weak\n",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert weak.returncode == 2 and "password" in weak.stderr
    assert ADMIN_PASSWORD not in created.stdout + created.stderr
