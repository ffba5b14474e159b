"""API keys: long-lived credentials with scopes, shown once, stored as a hash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.permissions import ROLE_PERMISSIONS
from server.auth.principal import Principal
from server.auth.tokens import digest, new_secret
from server.db.database import Database
from server.db.models import ApiKey
from server.domain.auth_filters import api_key_conditions
from server.domain.authenticator import API_KEY_PREFIX
from server.domain.pagination import PageRequest, fetch_page
from server.errors import InvalidArgument, NotFound

PREFIX_SHOWN = len(API_KEY_PREFIX) + 8


class ApiKeyService:
    def __init__(self, db: Database, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self._db = db
        self._now = clock

    async def create(
        self, principal: Principal, name: str, scopes: list[str], expires_at: datetime | None
    ) -> tuple[str, ApiKey]:
        """The secret (returned only here) and the stored key."""
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidArgument.field("name", "must be 1 to 100 characters")
        if not scopes:
            raise InvalidArgument.field("scopes", "must name at least one permission")
        allowed = ROLE_PERMISSIONS[principal.role] & principal.permissions
        beyond = sorted(set(scopes) - allowed)
        if beyond:
            raise InvalidArgument.field("scopes", "not permissions you hold: " + ", ".join(beyond))
        if expires_at is not None and expires_at <= self._now():
            raise InvalidArgument.field("expire_time", "must be in the future")
        secret = new_secret(API_KEY_PREFIX)
        key = ApiKey(
            owner_id=principal.user_id,
            name=name,
            prefix=secret[:PREFIX_SHOWN],
            key_hash=digest(secret),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )

        def store(session: Session) -> ApiKey:
            session.add(key)
            session.flush()
            return key

        return secret, await self._db.run(store)

    async def list(
        self, principal: Principal, page: PageRequest, expression: str = ""
    ) -> tuple[list[ApiKey], str, int]:
        filtered = api_key_conditions(expression)

        def query(session: Session) -> tuple[list[ApiKey], str, int]:
            own = sa.select(ApiKey).where(ApiKey.owner_id == principal.user_id, *filtered)
            return fetch_page(session, own, ApiKey, page)

        return await self._db.run(query)

    async def revoke(self, principal: Principal, api_key_id: str) -> ApiKey:
        def revoke(session: Session) -> ApiKey:
            key = session.get(ApiKey, api_key_id)
            if key is None or (key.owner_id != principal.user_id and not principal.is_admin):
                raise NotFound("api_key", api_key_id)
            key.revoked_at = key.revoked_at or self._now()
            return key

        return await self._db.run(revoke)
