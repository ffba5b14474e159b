"""Server settings, read once from QUANTIS_* environment variables.

Every field has a default that starts a working server on the embedded
defaults: SQLite, in-memory cache, in-process inference backend.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "development-only-secret"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class Settings(BaseSettings):
    """Configuration of one server process."""

    model_config = SettingsConfigDict(env_prefix="QUANTIS_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    """development, test or production; production refuses placeholder secrets."""

    host: str = "127.0.0.1"
    """Address the gRPC server binds to."""

    port: int = Field(default=50051, ge=0, le=65535)
    """gRPC port; 0 picks a free port (used by tests)."""

    data_dir: Path = Path("var")
    """Root for the SQLite file and the object store (datasets, artifacts, batch results)."""

    database_url: str = ""
    """SQLAlchemy URL; empty means a SQLite file under data_dir."""

    redis_url: str = ""
    """Redis URL for rate limits, revocation and events; empty means in-memory equivalents."""

    jwt_secret: str = "development-only-secret"
    """HMAC key for access tokens; must be set to a real secret outside development and test."""

    max_message_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    """Largest gRPC message accepted or sent."""

    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    """How long in-flight calls may run after SIGTERM before they are cancelled."""

    log_level: str = "INFO"
    """Python logging level name."""

    log_json: bool = True
    """Structured JSON logs (one object a line); plain text when false."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'quantis.db'}"

    @property
    def object_store_dir(self) -> Path:
        return self.data_dir / "store"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.jwt_secret in _PLACEHOLDER_SECRETS:
            raise ValueError("QUANTIS_JWT_SECRET must be set to a real secret in production")
        return self
