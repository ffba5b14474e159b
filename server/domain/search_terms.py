"""The values list filters compare with: times in RFC 3339 and substrings of names.

Each caller turns the ``ValueError`` into INVALID_ARGUMENT naming its own field (``filter``,
``name_contains``, ``page_token``), so that no value a caller sends reaches the database
in a form it cannot hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

# SQLite refuses LIKE patterns over 50,000 bytes; no name or description is this long.
MAX_SEARCH_TEXT = 1000


def utc_time(text: str) -> datetime:
    """``text`` as a UTC time; it needs an offset (``Z`` or ``+02:00``)."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"needs an RFC 3339 timestamp, not {text!r}") from exc
    if when.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset (such as Z)")
    try:
        return when.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{text!r} is outside the years 1 to 9999 in UTC") from exc


def search_text(text: str) -> str:
    """``text``, to look for in names or descriptions, unless it is too long to look for."""
    if len(text) > MAX_SEARCH_TEXT:
        raise ValueError(f"takes search text of at most {MAX_SEARCH_TEXT} characters")
    if "\x00" in text:  # SQLite's LIKE would end the pattern there and match what came before
        raise ValueError("takes search text without NUL characters")
    return text


def contains(column: Any, text: str) -> sa.ColumnElement[bool]:
    """``column`` holds ``text`` (checked by ``search_text``), ignoring case; ``%`` and ``_`` in
    ``text`` are plain characters."""
    found: sa.ColumnElement[bool] = sa.func.lower(column).contains(text.lower(), autoescape=True)
    return found
