"""The dashboard as a person uses it: a real `quantis serve`, a real `quantis web` serving the
built dashboard in front of it, and headless Chromium (Debian's, driven by playwright-core)
logging in (one account with MFA), uploading AirPassengers, training a small LSTM with live
progress, deploying and comparing versions, seeing the forecast chart drawn, and a second tab
hearing the job's end live on the monitoring page. The steps are clients/web/test/browser.mjs;
screenshots of every step go to var/test-artifacts/browser/. Then, on the same server and bridge,
the dashboard at its edges (clients/web/test/edges.mjs): markup and overlong names, a list of
more than a page, a field violation, a stale access token and a session the server ended. Last,
the monitoring page's lists of more than a page, and its live feed finding its way back after
the bridge restarts under it (clients/web/test/monitoring.mjs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from quantis.client import Client
from quantis.v1 import monitoring_service_pb2 as monitoring_pb

from tests.conftest import building_in_checkout, missing
from tests.e2e.browser_accounts import (
    EDGE_MODELS,
    EDGE_USERNAME,
    MARKUP_NAME,
    MFA_USERNAME,
    MONITOR_USERNAME,
    PASSWORD,
    SEEDED,
    edge_account,
    mfa_account,
    monitor_account,
)
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USERNAME, WITH_ADMIN, ServerProcess, launch
from tests.e2e.web_bridge import WebBridge, web_bridge
from tests.server.model.datasets import AIRPASSENGERS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "clients" / "web"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"


@dataclass
class Site:
    """A `quantis serve` and the `quantis web` bridge in front of it, shared by the module's tests."""

    server: ServerProcess
    bridge: WebBridge
    database_url: str

    @property
    def url(self) -> str:
        return self.bridge.url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser")
    settings = {
        **WITH_ADMIN,
        # Every login, code and refresh of the tests comes from one address, past the default burst.
        "QUANTIS_RATE_LIMIT_AUTH_BURST": "100",
        # A live feed hears from the server within a second of (re)connecting, so a test can tell.
        "QUANTIS_EVENTS_HEARTBEAT_SECONDS": "1",
    }
    with launch(root, settings) as server:
        try:
            with web_bridge(server.address, root / "web") as bridge:
                yield Site(server, bridge, f"sqlite:///{root / 'data' / 'quantis.db'}")
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


def test_dashboard_walkthrough(site: Site, node: str) -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    env = {
        **os.environ,
        "QUANTIS_WEB_URL": site.url,
        "QUANTIS_USERNAME": ADMIN_USERNAME,
        "QUANTIS_PASSWORD": ADMIN_PASSWORD,
        "MFA_USERNAME": MFA_USERNAME,
        "MFA_PASSWORD": PASSWORD,
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


def test_dashboard_edges(site: Site, node: str) -> None:
    """Runs after the walk-through (whose admin would list this account's dataset as well)."""
    edge_account(site.server.address)
    env = {
        **os.environ,
        "QUANTIS_WEB_URL": site.url,
        "EDGE_USERNAME": EDGE_USERNAME,
        "EDGE_PASSWORD": PASSWORD,
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
    assert summary["staleStream"] == {"live": True, "status": ""}, summary
    # A revoked session logs out, says why, and returns to the page once logged in again.
    assert summary["rotated"]
    assert "session has ended" in summary["sessionEnded"] and "reused" in summary["sessionEnded"]
    assert summary["tokensKept"] is None
    assert summary["backOn"] == "#/models"
    assert summary["pageErrors"] == []


def run_answering(
    args: list[str], env: dict[str, str], actions: dict[str, Callable[[], None]], timeout: float
) -> subprocess.CompletedProcess[str]:
    """As subprocess.run in WEB, except that when the script prints a line that names one of
    ``actions``, the action runs and then the script is told so on its stdin."""
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            args, cwd=WEB, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as script,
    ):
        assert script.stdin is not None and script.stdout is not None
        watchdog = threading.Timer(timeout, script.kill)
        watchdog.start()
        output = []
        try:
            for line in script.stdout:
                output.append(line)
                if (action := actions.get(line.strip())) is not None:
                    action()
                    script.stdin.write("done\n")
                    script.stdin.flush()
            script.wait()
        finally:
            watchdog.cancel()
            script.kill()
        errors.seek(0)
        return subprocess.CompletedProcess(args, script.returncode, "".join(output), errors.read())


def test_dashboard_monitoring(site: Site, node: str) -> None:
    """Restarts the bridge halfway (at the same address), so it runs last in the module."""
    alerts = monitor_account(site.server.address, site.database_url)
    missed, live = alerts[-1], alerts[-2]

    def restart_bridge() -> None:
        site.bridge.stop()
        # An event no stream hears: the page can learn of it only by reading the list again.
        with Client(site.server.address) as client:
            client.login(MONITOR_USERNAME, PASSWORD)
            client.monitoring.AcknowledgeAlert(
                monitoring_pb.AcknowledgeAlertRequest(alert_id=missed.alert_id)
            )
        site.bridge.start()

    env = {
        **os.environ,
        "QUANTIS_WEB_URL": site.url,
        "MONITOR_USERNAME": MONITOR_USERNAME,
        "MONITOR_PASSWORD": PASSWORD,
        "LIVE_ALERT_ID": live.alert_id,
        "LIVE_ALERT_TITLE": live.title,
        "MISSED_ALERT_TITLE": missed.title,
        "CHROMIUM": str(CHROMIUM),
    }
    actions = {
        "restart-bridge": restart_bridge,
        "stop-bridge": site.bridge.stop,
        "start-bridge": site.bridge.start,
    }
    result = run_answering([node, "test/monitoring.mjs"], env, actions, 150)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])

    # Alerts (system-wide ones, which every account sees) and notifications: a page, then the rest.
    first, *rest = summary["alertsRows"]
    assert first == 25 and len(rest) == 1 and rest[0] >= SEEDED, summary
    assert summary["notificationsRows"] == [25, SEEDED], summary
    # The feed was live, lost the stream with the bridge, said it was reconnecting, and came back.
    assert summary["liveBefore"] and summary["noticed"] and summary["reconnected"], summary
    assert any(s.startswith("false Live events interrupted: reconnecting in") for s in summary["liveness"]), (
        summary
    )
    # What happened meanwhile is in the lists read again; what happens after, in the feed.
    assert summary["missedAlertAcknowledged"], summary
    assert summary["liveEvent"] and summary["liveEvent"].endswith(f"Alert acknowledged: {live.title}"), (
        summary
    )
    # Opened again while the bridge was down: the status line said what failed, and no longer
    # does once the stream was back and the lists were read.
    assert summary["statusWhileDown"] and summary["listedAfter"], summary
    assert summary["status"] == "" and summary["pageErrors"] == [], summary
