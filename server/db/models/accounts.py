"""Accounts and credentials: users, API keys, login sessions and refresh tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from server.db.base import ID_LENGTH, Base, CreatedAtMixin, IdMixin, TimestampsMixin, keyset_index, reference
from server.db.enums import Role
from server.db.types import JSONType


class User(IdMixin, TimestampsMixin, Base):
    """An account. Usernames and emails are unique compared case-insensitively.

    ``username_key`` and ``email_key`` hold the lower-cased forms and carry the
    unique constraints; they follow ``username``/``email`` automatically when set
    through the ORM. A plain lower() expression index would do the same, but
    SQLite cannot reflect expression indexes, which breaks migration checks.
    """

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(sa.String(50))
    username_key: Mapped[str] = mapped_column(sa.String(50), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    email_key: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    """An argon2 hash in its PHC string form ("$argon2id$v=19$...")."""
    role: Mapped[Role] = mapped_column(default=Role.VIEWER)
    active: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    mfa_secret: Mapped[str | None] = mapped_column(sa.String(255))
    """TOTP secret; set at enrolment, in force only once ``mfa_enabled``."""
    mfa_enabled: Mapped[bool] = mapped_column(default=False)
    mfa_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    """The TOTP time step last accepted, so a code cannot be used twice."""
    last_login_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    """When DeleteUser removed the account. The row stays, so that what the user owned stays
    too; it holds no credentials, and its username and email keys no longer block new accounts."""

    @validates("username", "email")
    def _keep_key(self, field: str, value: str) -> str:
        setattr(self, f"{field}_key", value.lower())
        return value


class ApiKey(IdMixin, CreatedAtMixin, Base):
    """A long-lived credential; only a hash of the secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (keyset_index("api_keys"),)

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(32))
    """The visible start of the key ("qk_ab12cd34"), for recognising it in lists."""
    key_hash: Mapped[str] = mapped_column(sa.String(128), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UserSession(IdMixin, CreatedAtMixin, Base):
    """One login: the refresh tokens issued since, and where it was used from."""

    __tablename__ = "sessions"
    __table_args__ = (keyset_index("sessions", "user_id"),)

    user_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    last_used_at: Mapped[datetime | None]
    peer: Mapped[str] = mapped_column(sa.String(255), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(512), default="")
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    refresh_tokens: Mapped[list[RefreshToken]] = relationship(
        back_populates="session", passive_deletes=True, cascade="all, delete-orphan"
    )


class RefreshToken(IdMixin, CreatedAtMixin, Base):
    """A single-use refresh token. Every rotation stays in one family, so a
    token presented twice (reuse) can revoke the whole family."""

    __tablename__ = "refresh_tokens"

    session_id: Mapped[str] = reference("sessions.id", ondelete="CASCADE", index=True)
    family_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(128), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    replaced_by_id: Mapped[str | None] = reference(
        "refresh_tokens.id", ondelete="SET NULL", nullable=True, index=True
    )

    session: Mapped[UserSession] = relationship(back_populates="refresh_tokens")
