"""Serialising transactions that read rows and then write on what they read."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")


def sqlite_write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now, before anything more is read: SQLite has
    no row locks, and a read made before the lock could be stale by the time the transaction
    writes. Nothing on other databases, whose rows are locked where they are read."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if not getattr(connection.connection.dbapi_connection, "in_transaction", False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_rows(session: Session, query: sa.Select[T], *, shared: bool = False) -> list[T]:
    """Lock what ``query`` selects until the transaction ends, and return it as it is now.

    PostgreSQL locks the rows (FOR UPDATE, or FOR SHARE when ``shared``; a transaction that
    locked them first is waited for, and the rows are read again after it). SQLite takes the
    database's write lock instead (``sqlite_write_lock``). Concurrent callers that lock the same
    rows therefore each see the others' results. Objects the session already holds are
    refreshed from the rows read.
    """
    sqlite_write_lock(session)
    locked = query.with_for_update(read=shared).execution_options(populate_existing=True)
    return list(session.scalars(locked))
