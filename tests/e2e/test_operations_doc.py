"""docs/operations.md, run as written: every ```sh block, in order, in one shell's worth of
exported variables, against a real `quantis serve` started as `make serve` starts it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ServerProcess, launch

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text())


def output(text: str) -> dict[str, object]:
    return dict(json.loads(text))


def services(out: str, env: dict[str, str]) -> None:
    assert set(out.split()) == {
        *(
            f"quantis.v1.{s}Service"
            for s in ("Auth", "Dataset", "Model", "Prediction", "Financial", "Monitoring")
        ),
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }


def predict_method(out: str, env: dict[str, str]) -> None:
    assert "rpc Predict ( .quantis.v1.PredictRequest ) returns ( .quantis.v1.PredictResponse )" in out
    assert 'permission:"predictions:run"' in out.replace(" ", "")


def predict_request(out: str, env: dict[str, str]) -> None:
    assert "message PredictRequest" in out and "int32 horizon" in out


def serving(out: str, env: dict[str, str]) -> None:
    assert output(out) == {"status": "SERVING"}


def token(out: str, env: dict[str, str]) -> None:
    assert env["TOKEN"].count(".") == 2  # a JWT


def auth_header(out: str, env: dict[str, str]) -> None:
    assert env["AUTH"] == f"authorization: Bearer {env['TOKEN']}"


def current_user(out: str, env: dict[str, str]) -> None:
    user = output(out)["user"]
    assert (user["username"], user["role"]) == ("admin", "ROLE_ADMIN")  # type: ignore[index]


def api_key(out: str, env: dict[str, str]) -> None:
    assert env["API_KEY"].startswith("qk_")


def api_keys(out: str, env: dict[str, str]) -> None:
    keys = output(out)["api_keys"]
    assert [(k["name"], k["scopes"]) for k in keys] == [  # type: ignore[union-attr,index]
        ("nightly-forecasts", ["models:read", "predictions:run"])
    ]
    assert env["API_KEY"] not in out


def model_id(out: str, env: dict[str, str]) -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", env["MODEL_ID"])


def deployed(out: str, env: dict[str, str]) -> None:
    assert out == ""  # the loop's output goes to /dev/null; it ended, so the model has a version


def forecast(out: str, env: dict[str, str]) -> None:
    points = output(out)["forecast"]["points"]  # type: ignore[index]
    assert [p["timestamp"][:7] for p in points] == [f"1961-0{m}" for m in range(1, 7)]
    for point in points:
        low, median, high = (q["value"] for q in point["quantiles"])
        assert low <= median <= high and 300 < median < 800


def system_health(out: str, env: dict[str, str]) -> None:
    components = {c["name"]: c["status"] for c in output(out)["components"]}  # type: ignore[union-attr]
    assert components["database"] == "HEALTH_STATUS_SERVING"
    assert {"cache", "data directory", "inference backend"} <= components.keys()


def system_stats(out: str, env: dict[str, str]) -> None:
    methods = {s["method"] for s in output(out)["rpc_stats"]}  # type: ignore[union-attr]
    assert "/quantis.v1.PredictionService/Predict" in methods


def alerts(out: str, env: dict[str, str]) -> None:
    assert output(out).get("alerts", []) == []


Check = Callable[[str, dict[str, str]], None]

# The doc's commands in order, each with what it must print or export.
EXPECTED: list[tuple[str, Check | None]] = [
    ("export SERVER=", None),
    (" list", services),
    ("describe quantis.v1.PredictionService.Predict", predict_method),
    ("describe quantis.v1.PredictRequest", predict_request),
    ('"service": ""', serving),
    ('"service": "quantis.liveness"', serving),
    ("AuthService/Login", token),
    ("export AUTH=", auth_header),
    ("AuthService/GetCurrentUser", current_user),
    ("AuthService/CreateApiKey", api_key),
    ("AuthService/ListApiKeys", api_keys),
    ("ModelService/ListModels", model_id),
    ("ModelService/GetModel", deployed),
    ("PredictionService/Predict", forecast),
    ("MonitoringService/GetSystemHealth", system_health),
    ("MonitoringService/GetSystemStats", system_stats),
    ("MonitoringService/ListAlerts", alerts),
]


@pytest.fixture
def tools(grpcurl: str) -> None:
    if shutil.which("jq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("jq is missing (apt-get install jq)", pytrace=False)
        pytest.skip("jq is missing (apt-get install jq)")


@pytest.fixture
def make_serve(tmp_path: Path) -> Iterator[ServerProcess]:
    """`make serve` with no settings: first admin in var/initial-admin-password, demo model."""
    with launch(tmp_path, {"QUANTIS_DATA_DIR": str(tmp_path / "var")}) as running:
        yield running
        assert running.stop() == 0  # SIGTERM: the server also stops its training processes


def run(command: str, env: dict[str, str], cwd: Path) -> tuple[str, dict[str, str]]:
    """Run one block in bash as a reader's shell would, and return its output and the
    environment it leaves (so exported values reach the next block)."""
    dump = cwd / ".env-after"
    script = f"set -euo pipefail\n{command}\nenv -0 > {dump}\n"
    result = subprocess.run(
        ["bash", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, f"{command}\nexited {result.returncode}: {result.stderr}"
    entries = dump.read_text().split("\0")
    return result.stdout, dict(entry.split("=", 1) for entry in entries if "=" in entry)


def test_every_command_of_the_walkthrough(
    tools: None, grpcurl: str, make_serve: ServerProcess, tmp_path: Path
) -> None:
    commands = blocks()
    assert [
        next((i for i, (marker, _) in enumerate(EXPECTED) if marker in command), None) for command in commands
    ] == list(range(len(EXPECTED))), "the doc's commands, in order, each with a check here"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "PATH": f"{Path(grpcurl).parent}{os.pathsep}{os.environ['PATH']}",
        "SERVER": make_serve.address,
    }
    for command, (_, check) in zip(commands, EXPECTED, strict=True):
        out, env = run(command, env, tmp_path)
        if check is not None:
            check(out, env)
    assert env["SERVER"] == make_serve.address  # the first command keeps an address already set
