"""Resolves request credentials to a Principal: access tokens and API keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.permissions import ROLE_PERMISSIONS
from server.auth.principal import Principal
from server.auth.tokens import TokenCodec, digest
from server.db.database import Database
from server.db.models import ApiKey, User
from server.errors import Unauthenticated
from server.state.revocation import RevocationStore

API_KEY_PREFIX = "qk_"
# last_used_at of an API key is written at most this often, not on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class CredentialAuthenticator:
    """``authorization: Bearer <access token>`` or ``x-api-key: qk_...``.

    Access tokens are checked without the database: signature, expiry, and the
    revocation store (the token id, and its session for logouts and revoked
    sessions). API keys are looked up by hash.
    """

    def __init__(
        self,
        db: Database,
        codec: TokenCodec,
        revocations: RevocationStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._codec = codec
        self._revocations = revocations
        self._now = clock

    async def authenticate(self, metadata: Mapping[str, str]) -> Principal:
        api_key = metadata.get("x-api-key", "")
        authorization = metadata.get("authorization", "")
        if api_key:
            return await self._from_api_key(api_key)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await self._from_access_token(token.strip())
        raise Unauthenticated(
            "credentials required: authorization: Bearer <token> or x-api-key", reason="CREDENTIALS_MISSING"
        )

    async def _from_access_token(self, token: str) -> Principal:
        claims = self._codec.verify(token)
        if await self._revoked(claims.token_id, claims.session_id):
            raise Unauthenticated("access token revoked", reason="TOKEN_REVOKED")
        return Principal(
            user_id=claims.user_id,
            username=claims.username,
            role=claims.role,
            permissions=ROLE_PERMISSIONS[claims.role],
            session_id=claims.session_id,
            token_id=claims.token_id,
        )

    async def _from_api_key(self, secret: str) -> Principal:
        if not secret.startswith(API_KEY_PREFIX):
            raise Unauthenticated("invalid API key", reason="API_KEY_INVALID")
        now = self._now()

        def lookup(session: Session) -> Principal | None:
            found = _key_in_force(session, ApiKey.key_hash == digest(secret), now)
            if found is None:
                return None
            key, user = found
            if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
                key.last_used_at = now
            return Principal(
                user_id=user.id,
                username=user.username,
                role=user.role,
                permissions=frozenset(key.scopes) & ROLE_PERMISSIONS[user.role],
                api_key_id=key.id,
            )

        principal = await self._db.run(lookup)
        if principal is None:
            raise Unauthenticated("invalid, expired or revoked API key", reason="API_KEY_INVALID")
        return principal

    async def still_valid(self, principal: Principal) -> bool:
        """Whether the credential ``principal`` came with is still in force, for a call that lasts
        (WatchEvents): its access token and session not revoked, or its API key not revoked or
        expired and its owner active. Expiry of an access token does not end such a call."""
        if principal.api_key_id is not None:
            key_id, now = principal.api_key_id, self._now()
            return await self._db.run(lambda s: _key_in_force(s, ApiKey.id == key_id, now) is not None)
        return not await self._revoked(principal.token_id, principal.session_id)

    async def _revoked(self, token_id: str | None, session_id: str | None) -> bool:
        """Whether the access token or its session was revoked (Logout, RevokeSession, ...)."""
        for key in (token_id, f"session:{session_id}" if session_id else None):
            if key and await self._revocations.is_revoked(key):
                return True
        return False


def _key_in_force(
    session: Session, which: sa.ColumnElement[bool], now: datetime
) -> tuple[ApiKey, User] | None:
    """The API key ``which`` selects and its owner, if the key is neither revoked nor expired and
    its owner is active."""
    row = session.execute(
        sa.select(ApiKey, User).join(User, User.id == ApiKey.owner_id).where(which)
    ).one_or_none()
    if row is None:
        return None
    key, user = row
    if (
        key.revoked_at is not None
        or (key.expires_at is not None and key.expires_at <= now)
        or not user.active
    ):
        return None
    return key, user
