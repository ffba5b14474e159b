"""The dashboard as a person uses it: a real `quantis serve`, a real `quantis web` serving the
built dashboard in front of it, and headless Chromium (Debian's, driven by playwright-core)
logging in (one account with MFA), uploading AirPassengers, training a small LSTM with live
progress, deploying and comparing versions, seeing the forecast chart drawn, and a second tab
hearing the job's end live on the monitoring page. The steps are clients/web/test/browser.mjs;
screenshots of every step go to var/test-artifacts/browser/. Then, on the same server and bridge,
the dashboard at its edges (clients/web/test/edges.mjs): markup and overlong names, a list of
more than a page, a field violation, a stale access token and a session the server ended."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pandas as pd
import pyotp
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from quantis.client import Client
from quantis.v1 import auth_service_pb2 as auth_pb
from quantis.v1 import auth_service_pb2_grpc as auth_grpc
from quantis.v1 import common_pb2
from quantis.v1 import model_service_pb2 as model_pb

from tests.conftest import building_in_checkout, missing
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USERNAME, WITH_ADMIN, ServerProcess, launch
from tests.server.model.datasets import AIRPASSENGERS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "clients" / "web"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
MFA_USERNAME = "mfa_analyst"
MFA_PASSWORD = "Analyst-Passw0rd!"
EDGE_USERNAME = "edge_analyst"
MARKUP_NAME = '<img src=x onerror="window.injected=1">'
# One page of the dashboard's tables (TABLE_PAGE_SIZE in clients/web/src/paging.ts), and one more.
EDGE_MODELS = 26


@dataclass
class Site:
    """A `quantis serve` and the `quantis web` bridge in front of it, shared by the module's tests."""

    server: ServerProcess
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser")
    # Every login, code and refresh of both tests comes from one address, past the default burst.
    with launch(root, {**WITH_ADMIN, "QUANTIS_RATE_LIMIT_AUTH_BURST": "100"}) as server:
        try:
            with web_bridge(server.address, root / "web") as url:
                yield Site(server, url)
        finally:
            # SIGTERM, so the server also stops its training workers: they share its log pipe,
            # and a worker left behind would keep the fixture's log reader waiting for the pipe.
            server.stop()


@pytest.fixture(scope="module")
def node() -> str:
    """Node, Chromium and a built dashboard (`make web` builds what is out of date)."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        missing("node/npm are missing (the dashboard and its browser test need Node 20)")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    with building_in_checkout():
        built = subprocess.run(
            ["make", "--no-print-directory", "web"], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
    assert built.returncode == 0, built.stdout + built.stderr
    assert (WEB / "dist" / "index.html").is_file() and (WEB / "dist" / "app.js").is_file()
    return node


def mfa_account(address: str) -> str:
    """Registers an account with MFA on; returns a TOTP code the browser can still log in with.

    Codes are single-use and the server accepts the next step's code too (clock drift), so
    ConfirmMfa takes this step's code and the browser gets the next one.
    """
    with grpc.insecure_channel(address) as channel:
        auth = auth_grpc.AuthServiceStub(channel)
        auth.Register(
            auth_pb.RegisterRequest(username=MFA_USERNAME, email="mfa@example.com", password=MFA_PASSWORD)
        )
        login = auth.Login(auth_pb.LoginRequest(username=MFA_USERNAME, password=MFA_PASSWORD))
        credentials = (("authorization", f"Bearer {login.tokens.access_token}"),)
        totp = pyotp.TOTP(auth.EnrollMfa(auth_pb.EnrollMfaRequest(), metadata=credentials).secret)
        now = time.time()
        auth.ConfirmMfa(auth_pb.ConfirmMfaRequest(code=totp.at(now)), metadata=credentials)
        return str(totp.at(now + totp.interval))


@contextmanager
def web_bridge(target: str, data_dir: Path) -> Iterator[str]:
    """`quantis web` on a free port forwarding to ``target``; yields its base URL."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "QUANTIS_DATA_DIR": str(data_dir),
        "QUANTIS_LOG_JSON": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "web", "--listen", "127.0.0.1:0", "--target", target],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    address, seen = "", []
    deadline = time.monotonic() + 60
    while not address and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("{") and json.loads(line).get("message") == "web serving":
            address = str(json.loads(line)["address"])
    # Keep draining the log so the bridge never blocks on a full pipe; the pipe closes with it.
    drain = threading.Thread(target=process.stderr.read, daemon=True)
    drain.start()
    try:
        assert address, f"quantis web did not start: {''.join(seen)[-2000:]}"
        yield f"http://{address}"
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=30) == 0, "quantis web did not stop cleanly on SIGTERM"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            drain.join(10)
            if not drain.is_alive():
                process.stderr.close()


def test_dashboard_walkthrough(site: Site, node: str) -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    env = {
        **os.environ,
        "QUANTIS_WEB_URL": site.url,
        "QUANTIS_USERNAME": ADMIN_USERNAME,
        "QUANTIS_PASSWORD": ADMIN_PASSWORD,
        "MFA_USERNAME": MFA_USERNAME,
        "MFA_PASSWORD": MFA_PASSWORD,
        "MFA_CODE": mfa_account(site.server.address),
        "DATASET_CSV": str(AIRPASSENGERS),
        "SCREENSHOT_DIR": str(ARTIFACTS),
        "CHROMIUM": str(CHROMIUM),
    }
    result = subprocess.run(
        [node, "test/browser.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=480
    )
    print(f"browser screenshots: {ARTIFACTS}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])

    assert summary["mfaPrompt"] and summary["mfaUser"] == MFA_USERNAME
    assert "password" in summary["badLogin"].lower() or "invalid" in summary["badLogin"].lower()
    assert "144 rows" in summary["upload"] and summary["uploadProgress"] == 1
    assert summary["datasetRows"] == 1
    # The progress panel showed the job before it ended, then its end: progress arrived live.
    states = summary["trainingStates"]
    assert states[-1] == "SUCCEEDED" and len(states) >= 2, states
    assert summary["trainingBar"] == 1
    assert summary["deployedTraffic"] == "100%"
    # Two versions ranked 1 and 2 (by MASE) on the same window.
    assert sorted(row.split("\t")[0] for row in summary["comparison"]) == ["1", "2"], summary["comparison"]
    chart = summary["chart"]
    assert chart["forecastPoints"] == 12 and summary["forecastRows"] == 12
    assert chart["forecastLength"] > 50 and chart["historyLength"] > 200 and chart["bandArea"] > 0
    assert chart["pixels"]["forecast"] > 100 and chart["pixels"]["band"] > 100, chart["pixels"]
    assert summary["typedForecastPoints"] == "12" and summary["typedHistoryPoints"] == 24
    assert summary["health"] in {"SERVING", "DEGRADED"}
    # The monitoring tab, open while the job ran, heard its end live over WatchEvents.
    assert any("training job" in e.lower() and "succeeded" in e for e in summary["liveEvents"]), summary
    assert any("succeeded" in row.lower() for row in summary["notifications"]), summary["notifications"]
    names = [Path(p).name for p in summary["screenshots"]]
    steps = ["mfa", "mfa-logged-in", "login", "dataset-uploaded", "model-form", "training", "trained"]
    steps += ["deployed", "compared", "forecast", "monitoring"]
    assert names == [f"{i:02d}-{step}.png" for i, step in enumerate(steps, 1)]
    assert all(Path(p).stat().st_size > 10_000 for p in summary["screenshots"])


def edge_account(address: str) -> None:
    """An analyst with a dataset named like markup and more models than a page, one named at length."""
    with Client(address) as admin:
        admin.login(ADMIN_USERNAME, ADMIN_PASSWORD)
        user = admin.auth.Register(
            auth_pb.RegisterRequest(username=EDGE_USERNAME, email="edge@example.com", password=MFA_PASSWORD)
        ).user
        user.role = common_pb2.ROLE_ANALYST
        admin.auth.UpdateUser(auth_pb.UpdateUserRequest(user=user, update_mask=FieldMask(paths=["role"])))
    with Client(address) as client:
        client.login(EDGE_USERNAME, MFA_PASSWORD)
        days = pd.date_range("2024-01-01", periods=40, freq="D")
        frame = pd.DataFrame(
            {"timestamp": days.strftime("%Y-%m-%d"), "value": [float(i % 7) for i in range(40)]}
        )
        dataset = client.upload_dataset(frame, name=MARKUP_NAME, series_id_column="", progress=False)
        for i in range(EDGE_MODELS):
            name = f"edge-{i:02d}" if i else "W" * 200
            client.models.CreateModel(
                model_pb.CreateModelRequest(
                    name=name,
                    type=common_pb2.MODEL_TYPE_SEASONAL_NAIVE,
                    dataset_id=dataset.dataset_id,
                    horizon=3,
                )
            )


def test_dashboard_edges(site: Site, node: str) -> None:
    """Runs after the walk-through (whose admin would list this account's dataset as well)."""
    edge_account(site.server.address)
    env = {
        **os.environ,
        "QUANTIS_WEB_URL": site.url,
        "EDGE_USERNAME": EDGE_USERNAME,
        "EDGE_PASSWORD": MFA_PASSWORD,
        "CHROMIUM": str(CHROMIUM),
    }
    result = subprocess.run(
        [node, "test/edges.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])

    # Names are text, never markup.
    assert summary["datasetName"] == MARKUP_NAME
    assert summary["injected"] == {"flag": None, "images": 0}
    # A page of models, the rest on "More"; the 200-character name wraps within the page.
    assert summary["modelRows"] == [EDGE_MODELS - 1, EDGE_MODELS]
    assert summary["pageWidth"] <= 1280
    # The violation's field is named once (the server's message is that same violation).
    assert "hyperparameters[hidden_size]" in summary["fieldError"]
    assert summary["fieldError"].count("hyperparameters[hidden_size]") == 1, summary["fieldError"]
    # A stale access token is refreshed for the live feed's stream too.
    assert summary["staleStream"] == {"liveness": "Listening for live events…", "status": ""}, summary
    # A revoked session logs out, says why, and returns to the page once logged in again.
    assert summary["rotated"]
    assert "session has ended" in summary["sessionEnded"] and "reused" in summary["sessionEnded"]
    assert summary["tokensKept"] is None
    assert summary["backOn"] == "#/models"
    assert summary["pageErrors"] == []
