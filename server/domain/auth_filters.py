"""The filters of ListApiKeys, ListSessions and ListUsers as SQL conditions.

The grammar is every list's (server.domain.filters). Booleans are ``true`` or ``false``; roles
their contract names (``ROLE_ANALYST``); a quoted name, username or email matches
case-insensitively, ``*`` standing for any characters.
"""

from __future__ import annotations

import sqlalchemy as sa

from server.db.enums import Role
from server.db.models import ApiKey, User, UserSession
from server.domain import filters
from server.domain.filters import Term

ROLES = {f"ROLE_{role.name}": role for role in Role}


def api_key_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return filters.conditions(
        expression, {"revoked": filters.is_set(ApiKey.revoked_at), "name": filters.glob(ApiKey.name)}
    )


def session_conditions(expression: str, current_session_id: str) -> list[sa.ColumnElement[bool]]:
    """``current`` is the session of the calling access token (none when the caller uses an API key)."""

    def current(term: Term) -> sa.ColumnElement[bool]:
        wanted = filters.truth(term)
        if not current_session_id:
            return sa.false() if wanted else sa.true()
        return UserSession.id == current_session_id if wanted else UserSession.id != current_session_id

    return filters.conditions(expression, {"current": current})


def user_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return filters.conditions(
        expression,
        {
            "role": filters.enum(User.role, ROLES),
            "active": filters.flag(User.active),
            "mfa_enabled": filters.flag(User.mfa_enabled),
            "username": filters.glob(User.username),
            "email": filters.glob(User.email),
            "create_time": filters.time(User.created_at),
        },
    )
