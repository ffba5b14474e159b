"""Settings: working defaults, environment overrides, no placeholder secrets in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from server.settings import Environment, Settings


def test_defaults_start_on_sqlite_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUANTIS_DATABASE_URL", "QUANTIS_DATA_DIR", "QUANTIS_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.port == 50051
    assert settings.resolved_database_url == "sqlite:///var/quantis.db"
    assert settings.object_store_dir == Path("var/store")


def test_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUANTIS_PORT", "6000")
    monkeypatch.setenv("QUANTIS_DATABASE_URL", "postgresql+psycopg2://u@db/quantis")
    settings = Settings()
    assert settings.port == 6000
    assert settings.resolved_database_url == "postgresql+psycopg2://u@db/quantis"


def test_production_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="QUANTIS_JWT_SECRET"):
        Settings(environment=Environment.PRODUCTION)
    assert Settings(environment=Environment.PRODUCTION, jwt_secret="a-real-long-random-secret").jwt_secret


def test_bad_port_is_rejected() -> None:
    with pytest.raises(ValidationError, match="port"):
        Settings(port=70000)


def test_several_serving_processes_need_shared_state_and_a_fixed_port() -> None:
    shared = {"redis_url": "redis://127.0.0.1:6379/0", "port": 6000}
    assert Settings(server_processes=2, **shared).server_processes == 2  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="QUANTIS_REDIS_URL"):
        Settings(server_processes=2, port=6000)
    with pytest.raises(ValidationError, match="fixed QUANTIS_PORT"):
        Settings(server_processes=2, redis_url="redis://127.0.0.1:6379/0", port=0)
    with pytest.raises(ValidationError, match="QUANTIS_TORCHSERVE_MANAGEMENT_URL"):
        Settings(server_processes=2, inference_backend="torchserve", **shared)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="server_processes"):
        Settings(server_processes=0)
