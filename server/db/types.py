"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

ENUM_LENGTH = 32
"""Width of every enum column, fixed so that adding a member changes no column type."""


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is
    stored as naive UTC text and given ``tzinfo=UTC`` again when read. Naive
    datetimes are refused on the way in: their meaning would depend on the host.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL (comparable, indexable)."""


def _enum_values(enum_class: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in enum_class]


StringEnum = sa.Enum(
    enum.Enum,
    native_enum=False,
    create_constraint=False,
    length=ENUM_LENGTH,
    values_callable=_enum_values,
    validate_strings=True,
)
"""Template for `Mapped[SomeStrEnum]` columns: the member's value in a VARCHAR(32).

No CHECK constraint either: the allowed values live in Python, so a new member
is a code change, not a migration. Unknown strings are refused when written.
"""
