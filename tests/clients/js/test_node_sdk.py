"""The JS SDK's Node suite (clients/js/test, `node --test`) against a real in-process server.

The server layers are the server suite's own fixtures; this test registers the account,
deploys a model, builds the SDK (tsc) and runs the Node tests as a subprocess with the
server's address and the credentials in the environment. A second server on the same
application answers UNAVAILABLE to the first attempt of each test case, for the retry tests.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import dataset_service_pb2_grpc as dataset_grpc

from server.auth.permissions import Role
from server.composition import Application
from server.grpc_server import RunningServer, create_server
from server.settings import Settings
from tests.clients.flaky import FirstAttemptFails, FlakyFinancial
from tests.conftest import building_in_checkout, missing
from tests.server import conftest as server_layers
from tests.server.auth_helpers import PASSWORD
from tests.server.conftest import make_settings, replace_servicers
from tests.server.model.datasets import user_id
from tests.server.prediction import conftest as prediction_layers
from tests.server.prediction.conftest import deploy_model

application = server_layers.application
servicers = server_layers.servicers
interceptors = server_layers.interceptors
running_server = server_layers.running_server
artifacts = prediction_layers.artifacts

JS = Path(__file__).resolve().parents[3] / "clients" / "js"
MINUTE = 60.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Access tokens of one minute (the shortest the server allows) and quick heartbeats."""
    return make_settings(tmp_path, access_token_minutes=1, events_heartbeat_seconds=0.5)


class FlakyDatasets(dataset_grpc.DatasetServiceServicer):
    def __init__(self, first_attempt_fails: FirstAttemptFails) -> None:
        self._flaky = first_attempt_fails

    async def DownloadDataset(
        self, request: dataset_pb.DownloadDatasetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[dataset_pb.DownloadDatasetResponse]:
        await self._flaky("DownloadDataset", context)
        yield dataset_pb.DownloadDatasetResponse(chunk=b"a,b\n", total_size=4)


@pytest.fixture
async def flaky_server(application: Application) -> AsyncIterator[RunningServer]:
    """Flaky financial and dataset services, without the security layers (as the Python SDK's
    retry tests)."""
    flaky = FirstAttemptFails()
    layers = replace_servicers(application, financial=FlakyFinancial(flaky), dataset=FlakyDatasets(flaky))
    running = await create_server(layers, port=0)
    try:
        yield running
    finally:
        await running.stop(0)


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        missing("node is missing (the JS SDK needs Node 20)")
    if not (JS / "node_modules" / "@connectrpc" / "connect-node").is_dir():
        pytest.fail("clients/js/node_modules is not installed: run `make install`", pytrace=False)
    return node


async def run(*command: str, env: dict[str, str] | None = None, within: float = MINUTE) -> str:
    """Run ``command`` in clients/js without blocking the event loop the server runs on."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=JS, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"{' '.join(command)} ran past {within:.0f} s")
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"{' '.join(command)} exited {process.returncode}:\n{text}"
    return text


@pytest.mark.timeout(240)
async def test_node_sdk_suite(
    application: Application,
    running_server: RunningServer,
    flaky_server: RunningServer,
    artifacts: list[Path],
) -> None:
    node = require_node()
    await application.accounts.register("ana", "ana@example.com", PASSWORD, role=Role.ANALYST)
    await application.accounts.register("mia", "mia@example.com", PASSWORD, role=Role.ANALYST)
    deployed = await deploy_model(application, await user_id(application, "ana"), artifacts)
    npm = shutil.which("npm") or "npm"
    with building_in_checkout():  # may block the loop a while: its servers have no calls yet
        await run(npm, "run", "--silent", "build", within=2 * MINUTE)
    env = {
        **os.environ,
        "QUANTIS_TEST_TARGET": f"127.0.0.1:{running_server.port}",
        "QUANTIS_TEST_FLAKY_TARGET": f"127.0.0.1:{flaky_server.port}",
        "QUANTIS_TEST_USERNAME": "ana",
        "QUANTIS_TEST_PASSWORD": PASSWORD,
        "QUANTIS_TEST_MFA_USERNAME": "mia",
        "QUANTIS_TEST_MODEL_ID": deployed.model_id,
    }
    tests = sorted(str(p.relative_to(JS)) for p in (JS / "test").glob("*.test.mjs"))
    assert tests, "clients/js/test has no *.test.mjs"
    report = await run(node, "--test", "--test-reporter=tap", *tests, env=env)
    counts = dict(re.findall(r"^# (pass|fail|cancelled|skipped|todo) (\d+)$", report, re.MULTILINE))
    assert counts.get("fail") == "0" and counts.get("cancelled") == "0", report
    assert counts.get("skipped") == "0" and int(counts.get("pass", "0")) >= 15, report
