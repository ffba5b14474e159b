"""The commands the deployment runs besides `quantis serve`: `quantis db upgrade` (the migration
job) and `quantis health` (the containers' health check), run as the containers run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.db.migrate import current_revision, head_revision
from tests.e2e.conftest import launch


def quantis(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")}, **environment}
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_db_upgrade_brings_an_empty_database_to_head(database_url: str, tmp_path: Path) -> None:
    assert current_revision(database_url) is None
    first = quantis("db", "upgrade", QUANTIS_DATABASE_URL=database_url, QUANTIS_DATA_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert current_revision(database_url) == head_revision()
    assert first.stdout.strip() == f"database at revision {head_revision()}"
    again = quantis("db", "upgrade", QUANTIS_DATABASE_URL=database_url, QUANTIS_DATA_DIR=str(tmp_path))
    assert again.returncode == 0 and again.stdout == first.stdout


def test_db_upgrade_fails_loudly_without_a_database(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg2://quantis:secret@127.0.0.1:1/quantis"
    failed = quantis("db", "upgrade", QUANTIS_DATABASE_URL=unreachable, QUANTIS_DATA_DIR=str(tmp_path))
    assert failed.returncode != 0
    assert "connection" in failed.stderr.lower()


@pytest.mark.e2e
@pytest.mark.slow
def test_health_reports_a_serving_server_and_fails_once_it_stops(tmp_path: Path) -> None:
    with launch(tmp_path, {"QUANTIS_DEMO_MODEL": "false", "QUANTIS_SHUTDOWN_GRACE_SECONDS": "1"}) as server:
        port = server.address.rsplit(":", 1)[1]
        # As the image's HEALTHCHECK runs it: the port from QUANTIS_PORT.
        serving = quantis("health", QUANTIS_PORT=port)
        assert serving.returncode == 0, serving.stderr
        assert quantis("health", "--target", server.address).returncode == 0
        assert server.stop() == 0
        stopped = quantis("health", "--target", server.address, "--timeout", "2")
    assert stopped.returncode == 1
    assert stopped.stderr.strip() == f"quantis: {server.address} is not serving"
