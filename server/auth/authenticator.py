"""Turning request credentials into a Principal: the interface the auth interceptor uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from server.auth.principal import Principal


class Authenticator(Protocol):
    """Resolves credentials in request metadata to a Principal.

    Accepts ``authorization: Bearer <access token>`` or ``x-api-key: <key>``;
    raises server.errors.Unauthenticated when neither is present or valid
    (missing, malformed, expired, revoked, unknown, or a disabled account).
    """

    async def authenticate(self, metadata: Mapping[str, str]) -> Principal: ...
