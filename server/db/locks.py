"""Serialising transactions that read rows and then write on what they read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def lock_rows(session: Session, query: sa.Select[Any]) -> list[Any]:
    """Lock what ``query`` selects until the transaction ends, and return it as it is now.

    PostgreSQL locks the rows (FOR UPDATE; a transaction that locked them first is waited for,
    and the rows are read again after it). SQLite has no row locks, so the transaction takes the
    database's write lock instead (BEGIN IMMEDIATE), which it must do before its first write.
    Concurrent callers that lock the same rows therefore each see the others' results.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        return list(session.scalars(query))
    return list(session.scalars(query.with_for_update()))
