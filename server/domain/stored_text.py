"""Text every database can store: PostgreSQL holds no NUL character in text, so a NUL in a
caller's text is refused on every database, naming the field."""

from __future__ import annotations

from collections.abc import Iterable

from server.errors import FieldViolation

NUL_RULE = "must not hold a NUL character"


def nul_violations(texts: Iterable[tuple[str, str]]) -> list[FieldViolation]:
    """A violation for each (field path, text) whose text holds a NUL."""
    return [FieldViolation(path, NUL_RULE) for path, text in texts if "\0" in text]
