"""`make serve` on a fresh machine: a first admin with a password in a private file, and a
demo model that is trained, deployed and answers a grpcurl Predict within a minute."""

from __future__ import annotations

import json
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def grpc_call(
    grpcurl: str, address: str, method: str, body: dict[str, object], token: str = ""
) -> dict[str, object]:
    headers = ["-H", f"authorization: Bearer {token}"] if token else []
    result = subprocess.run(
        [grpcurl, "-plaintext", *headers, "-d", json.dumps(body), address, method],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_first_admin_and_demo_model(
    fresh_server_process: ServerProcess, grpcurl: str, tmp_path: Path
) -> None:
    password_file = tmp_path / "data" / "initial-admin-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    password = password_file.read_text().strip()
    address = fresh_server_process.address
    login = grpc_call(
        grpcurl, address, "quantis.v1.AuthService/Login", {"username": "admin", "password": password}
    )
    token = str(login["tokens"]["access_token"])  # type: ignore[index]

    deadline = time.monotonic() + 120
    forecast: dict[str, object] = {}
    while time.monotonic() < deadline and not forecast:
        models = grpc_call(grpcurl, address, "quantis.v1.ModelService/ListModels", {}, token).get(
            "models", []
        )
        demo = [m for m in models if m["name"] == "demo-airpassengers-lstm"]  # type: ignore[index,union-attr]
        if demo and demo[0].get("default_version_id"):  # type: ignore[union-attr]
            forecast = grpc_call(
                grpcurl,
                address,
                "quantis.v1.PredictionService/Predict",
                {
                    "model_id": demo[0]["model_id"],  # type: ignore[index]
                    "horizon": 6,
                    "series": {
                        "series_id": "air",
                        "start": "1959-01-01T00:00:00Z",
                        "frequency": "FREQUENCY_MONTHLY",
                        "values": [
                            360,
                            342,
                            406,
                            396,
                            420,
                            472,
                            548,
                            559,
                            463,
                            407,
                            362,
                            405,
                            417,
                            391,
                            419,
                            461,
                            472,
                            535,
                            622,
                            606,
                            508,
                            461,
                            390,
                            432,
                        ],
                    },
                },
                token,
            )
        else:
            time.sleep(1)
    points = forecast["forecast"]["points"]  # type: ignore[index]
    assert len(points) == 6 and points[0]["timestamp"].startswith("1961-01-01")  # type: ignore[index]
    assert all(p["quantiles"][0]["value"] <= p["quantiles"][-1]["value"] for p in points)  # type: ignore[index]
    fresh_server_process.stop()
    assert password not in json.dumps(fresh_server_process.log_lines)
