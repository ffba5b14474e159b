"""The filters of ListApiKeys, ListSessions and ListUsers as SQL conditions.

The grammar is the other lists' (``field op value`` joined by AND; server.domain.forecasting.listing).
Booleans are ``true`` or ``false``; roles their contract names (``ROLE_ANALYST``); a quoted
name, username or email matches case-insensitively, ``*`` standing for any characters.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.db.enums import Role
from server.db.models import ApiKey, User, UserSession
from server.domain.forecasting import listing
from server.domain.forecasting.listing import Term
from server.domain.search_terms import search_text

ROLES = {f"ROLE_{role.name}": role for role in Role}


def _boolean(term: Term) -> bool:
    listing.need(term, "=")
    if term.value not in ("true", "false"):
        raise listing.bad_filter(f"{term.field} is true or false, not {term.value!r}")
    return term.value == "true"


def _glob(column: Any) -> listing.FieldRule:
    def rule(term: Term) -> sa.ColumnElement[bool]:
        listing.need(term, "=")
        try:
            text = search_text(term.value).lower()
        except ValueError as exc:
            raise listing.bad_filter(f"{term.field} {exc}") from exc
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
        found: sa.ColumnElement[bool] = sa.func.lower(column).like(pattern, escape="\\")
        return found

    return rule


def _is_set(column: Any) -> listing.FieldRule:
    return lambda term: column.is_not(None) if _boolean(term) else column.is_(None)


def _flag(column: Any) -> listing.FieldRule:
    return lambda term: column.is_(_boolean(term))


def api_key_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return listing.conditions(expression, {"revoked": _is_set(ApiKey.revoked_at), "name": _glob(ApiKey.name)})


def session_conditions(expression: str, current_session_id: str) -> list[sa.ColumnElement[bool]]:
    """``current`` is the session of the calling access token (none when the caller uses an API key)."""

    def current(term: Term) -> sa.ColumnElement[bool]:
        wanted = _boolean(term)
        if not current_session_id:
            return sa.false() if wanted else sa.true()
        return UserSession.id == current_session_id if wanted else UserSession.id != current_session_id

    return listing.conditions(expression, {"current": current})


def user_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return listing.conditions(
        expression,
        {
            "role": lambda term: listing.enum_condition(term, User.role, ROLES),
            "active": _flag(User.active),
            "mfa_enabled": _flag(User.mfa_enabled),
            "username": _glob(User.username),
            "email": _glob(User.email),
            "create_time": lambda term: listing.time_condition(term, User.created_at),
        },
    )
