"""What a client authenticates with: an API key, or a session's tokens that it keeps fresh.

Refresh tokens rotate and a refresh token presented twice revokes the whole
session (reuse detection). So a client must never refresh twice with the same
token: callers that see their access token rejected refresh only if that token
is still the current one (``is_current``), under the client's lock, and every
rotation is handed to ``on_refresh`` so that whoever stored the tokens (the
CLI's credentials file) stores the new pair before the old one is useless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from quantis.v1 import auth_service_pb2


@dataclass(frozen=True)
class Tokens:
    """A session's credentials, as LoginResponse/RefreshTokenResponse carry them."""

    access_token: str
    refresh_token: str
    access_token_expire_time: datetime
    session_id: str = ""

    @classmethod
    def from_proto(cls, tokens: auth_service_pb2.Tokens) -> Tokens:
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_token_expire_time=tokens.access_token_expire_time.ToDatetime(tzinfo=UTC),
            session_id=tokens.session_id,
        )

    def to_json(self) -> dict[str, Any]:
        fields = asdict(self)
        fields["access_token_expire_time"] = self.access_token_expire_time.isoformat()
        return fields

    @classmethod
    def from_json(cls, fields: dict[str, Any]) -> Tokens:
        expire = datetime.fromisoformat(str(fields["access_token_expire_time"]))
        return cls(
            access_token=str(fields["access_token"]),
            refresh_token=str(fields["refresh_token"]),
            access_token_expire_time=expire,
            session_id=str(fields.get("session_id", "")),
        )


class Credentials:
    """The metadata a call carries, and when the session's access token wants refreshing.

    ``refresh_margin`` is how long before the access token expires that it is
    refreshed, so that a call never leaves with a token that dies in flight.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        tokens: Tokens | None = None,
        refresh_margin: timedelta = timedelta(seconds=30),
        on_refresh: Callable[[Tokens], None] | None = None,
    ):
        self.api_key = api_key
        self.tokens = tokens
        self.refresh_margin = refresh_margin
        self._on_refresh = on_refresh

    def metadata(self) -> list[tuple[str, str]]:
        if self.api_key:
            return [("x-api-key", self.api_key)]
        if self.tokens:
            return [("authorization", f"Bearer {self.tokens.access_token}")]
        return []

    def needs_refresh(self) -> bool:
        """Whether the access token expires within the refresh margin (never for an API key)."""
        if self.api_key or not self.tokens or not self.tokens.refresh_token:
            return False
        return datetime.now(UTC) >= self.tokens.access_token_expire_time - self.refresh_margin

    def can_refresh(self) -> bool:
        return not self.api_key and self.tokens is not None and bool(self.tokens.refresh_token)

    def is_current(self, access_token: str) -> bool:
        """Whether ``access_token`` is still the one in use (nobody refreshed since it was sent)."""
        return self.tokens is not None and self.tokens.access_token == access_token

    def update(self, tokens: Tokens) -> None:
        self.tokens = tokens
        if self._on_refresh is not None:
            self._on_refresh(tokens)

    def sent_token(self, metadata: list[tuple[str, str]]) -> str:
        """The access token a call's ``metadata`` carried, "" when none."""
        return next((v.removeprefix("Bearer ") for k, v in metadata if k == "authorization"), "")
