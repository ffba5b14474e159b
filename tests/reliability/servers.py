"""A real `quantis serve` process with a caller and a deployed model, for the fault scenarios.

The data (an analyst, AirPassengers, a model with one READY tiny LSTM version) is written
through the real domain layer into the database and object store the process then serves.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from quantis.v1 import auth_service_pb2, auth_service_pb2_grpc

from server.auth.permissions import Role
from server.composition import build_application
from server.db.migrate import upgrade_to_head
from tests.e2e.conftest import ServerProcess, launch
from tests.server.auth_helpers import PASSWORD
from tests.server.conftest import make_settings
from tests.server.prediction.conftest import caller, deploy_model

USERNAME = "ana"


@dataclass
class Served:
    server: ServerProcess
    model_id: str
    data_dir: Path

    @property
    def address(self) -> str:
        return self.server.address

    def metrics_address(self) -> str:
        return next(str(e["address"]) for e in self.server.log_lines if e.get("message") == "metrics")

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """A fresh access token of the analyst, by Login over a real channel."""
        with grpc.insecure_channel(self.address) as channel:
            answer = auth_service_pb2_grpc.AuthServiceStub(channel).Login(
                auth_service_pb2.LoginRequest(username=USERNAME, password=PASSWORD), timeout=30
            )
        return (("authorization", f"Bearer {answer.tokens.access_token}"),)


async def _prepare(data_dir: Path, database_url: str, artifacts: list[Path]) -> str:
    settings = make_settings(data_dir, database_url)
    upgrade_to_head(settings.resolved_database_url)
    application = await build_application(settings)
    try:
        ana = await caller(application, USERNAME, Role.ANALYST)
        return (await deploy_model(application, ana.user_id, artifacts[:1])).model_id
    finally:
        await application.close()


@contextmanager
def served(
    tmp_path: Path, artifacts: list[Path], database_url: str = "", **settings: str
) -> Iterator[Served]:
    """`quantis serve` on ``database_url`` (default SQLite under ``tmp_path``) with ``settings``
    (QUANTIS_* names without the prefix, lower case), its analyst and model already stored."""
    data_dir = tmp_path / "data"
    model_id = asyncio.run(_prepare(data_dir, database_url, artifacts))
    env = {
        "QUANTIS_DEMO_MODEL": "false",
        "QUANTIS_RATE_LIMIT_AUTH_BURST": "100000",
        "QUANTIS_RATE_LIMIT_DEFAULT_BURST": "100000",
        **({"QUANTIS_DATABASE_URL": database_url} if database_url else {}),
        **{f"QUANTIS_{name.upper()}": value for name, value in settings.items()},
    }
    with launch(tmp_path, env) as server:
        yield Served(server, model_id, data_dir)


def error_reason(error: object) -> str:
    """The ErrorInfo reason of a failed call (or ended stream), "" when it carries none."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    info = error_details_pb2.ErrorInfo()
    return next((info.reason for d in (status.details if status else []) if d.Unpack(info)), "")


def metric(metrics_text: str, name: str) -> float:
    """The value of an unlabelled Prometheus sample in an exposition text."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics_text, re.MULTILINE)
    assert found, f"{name} is not exported"
    return float(found.group(1))
