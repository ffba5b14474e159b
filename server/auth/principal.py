"""Who is calling: the authenticated identity a request runs as."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from server.auth.permissions import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    ``permissions`` is what this credential may do: the role's permissions for an
    access token, the key's scopes (a subset of the owner's) for an API key.
    """

    user_id: str
    username: str
    role: Role
    permissions: frozenset[str]
    session_id: str | None = None
    token_id: str | None = None
    api_key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can(self, permission: str) -> bool:
        return permission in self.permissions


principal_var: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
