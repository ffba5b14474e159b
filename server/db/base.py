"""The declarative base every table derives from, and the columns they share.

Constraint and index names follow one convention, so Alembic migrations name
the same things the same way on SQLite and PostgreSQL and can drop them later.
Primary keys are UUID strings generated in Python (available as soon as an
object is constructed); timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, overload

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

from server.db.types import StringEnum, UTCDateTime
from server.randomness import random_uuid

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

ID_LENGTH = 36


def new_id() -> str:
    """A fresh primary key: a random UUID in its 36-character text form."""
    return random_uuid()


NEW_IDS_MAX = 1 << 20
# The counters of the first ids of a request, formatted once: a streamed message's thousand
# ids took a third of a millisecond of the event loop to format, six times the concatenations.
_COUNTERS = [f"{i:05x}" for i in range(4096)]
_COUNTER_BYTES = np.array(_COUNTERS, dtype="S5")
_COUNTER_BYTES.flags.writeable = False


@dataclass(frozen=True)
class NewIds(Sequence[str]):
    """Fresh primary keys for the rows of one request: one random UUID whose last five hex
    digits count up (its other 102 random bits tell requests apart). Kept as that shared
    ``prefix`` and a ``size``: a streamed message's thousand ids cost more to format, queue for
    the history and convert for the answer than the rest of recording it, so they are made text
    only where they are stored, and sent as bytes (``encoded``)."""

    prefix: str
    size: int

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self.strings()[index]
        position = index + self.size if index < 0 else index
        if not 0 <= position < self.size:
            raise IndexError(index)
        return f"{self.prefix}{position:05x}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.strings())

    def strings(self) -> list[str]:
        ids = list(map(self.prefix.__add__, _COUNTERS[: self.size]))
        ids.extend(f"{self.prefix}{i:05x}" for i in range(len(_COUNTERS), self.size))
        return ids

    def encoded(self) -> npt.NDArray[np.bytes_]:
        """The ids as ASCII, each ID_LENGTH bytes (numpy's S36)."""
        rows = np.empty(self.size, dtype=[("prefix", f"S{ID_LENGTH - 5}"), ("counter", "S5")])
        rows["prefix"] = self.prefix.encode()
        rows["counter"][: len(_COUNTER_BYTES)] = _COUNTER_BYTES[: self.size]
        if self.size > len(_COUNTER_BYTES):
            rows["counter"][len(_COUNTER_BYTES) :] = [
                f"{i:05x}" for i in range(len(_COUNTER_BYTES), self.size)
            ]
        return rows.view(f"S{ID_LENGTH}")


def new_ids(count: int) -> NewIds:
    """``count`` fresh primary keys at once, for the rows of one request (see NewIds)."""
    if not 0 <= count <= NEW_IDS_MAX:
        raise ValueError(f"at most {NEW_IDS_MAX} ids at once")
    return NewIds(new_id()[:-5], count)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), enum.Enum: StringEnum}


class IdMixin:
    """A UUID string primary key, assigned when the object is constructed."""

    id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), primary_key=True, default=new_id, sort_order=-100)


@event.listens_for(IdMixin, "init", propagate=True)
def _assign_id(target: IdMixin, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if kwargs.get("id") is None:
        kwargs["id"] = new_id()


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=100)


class TimestampsMixin(CreatedAtMixin):
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=101)


def reference(
    target: str,
    *,
    ondelete: str,
    nullable: bool = False,
    index: bool = False,
    unique: bool = False,
) -> MappedColumn[Any]:
    """A foreign-key column to ``target`` ("table.column") with an explicit ON DELETE."""
    return mapped_column(
        sa.String(ID_LENGTH),
        sa.ForeignKey(target, ondelete=ondelete),
        nullable=nullable,
        index=index,
        unique=unique,
    )


def keyset_index(table: str, scope: str = "owner_id") -> sa.Index:
    """The index behind owner-scoped keyset pagination: WHERE scope = ? ORDER BY created_at, id."""
    return sa.Index(f"ix_{table}_{scope}_created_at_id", scope, "created_at", "id")
