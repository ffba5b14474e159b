"""Settings: working defaults, environment overrides, no placeholder secrets in production."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from server import app
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


def test_a_serving_process_hands_the_interpreter_lock_over_at_the_set_interval(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[float] = []

    async def serve(settings: Settings, *, index: int, primary: int) -> None:
        seen.append(sys.getswitchinterval())

    monkeypatch.setattr(app, "serve", serve)
    monkeypatch.setattr(app, "configure_logging", lambda level, json: None)
    before = sys.getswitchinterval()
    try:
        app.run(Settings(data_dir=tmp_path, switch_interval_ms=0.7))
    finally:
        sys.setswitchinterval(before)
    assert seen == [pytest.approx(0.0007)]
    assert Settings(data_dir=tmp_path).switch_interval_ms == 0.5
    with pytest.raises(ValidationError, match="switch_interval_ms"):
        Settings(switch_interval_ms=0)
