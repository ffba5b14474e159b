"""Which exceptions of the database driver mean "the database is down, retry later".

PostgreSQL restarting is not a bug in Quantis: callers are told UNAVAILABLE
(server.interceptors.outages), and the prediction history keeps the rows it could not store
in its spool until the database is back. Anything else from a driver (a constraint
violation, a syntax error) is not an outage.
"""

from __future__ import annotations

import psycopg2  # type: ignore[import-untyped]  # no stubs; only its exception classes are used
import sqlalchemy.exc


def is_nul_in_text(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL refusing a NUL character in text: psycopg2 will not send one
    in a string, and a JSON document cannot hold ``\\u0000``. SQLite stores it."""
    orig = exc.orig if isinstance(exc, sqlalchemy.exc.StatementError) else exc
    if isinstance(orig, ValueError) and "NUL (0x00)" in str(orig):
        return True
    return isinstance(orig, psycopg2.errors.UntranslatableCharacter)


def is_transaction_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL rolling a transaction back for a conflict with a concurrent
    one (SQLSTATE class 40: a deadlock, a serialization failure): nothing is down and nothing was
    stored; the same call again may succeed."""
    orig = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    return isinstance(orig, psycopg2.errors.TransactionRollbackError)


def is_database_outage(exc: BaseException) -> bool:
    # psycopg2's OperationalError covers the SQLSTATE classes of outages: connection
    # failures (08), operator intervention such as a shutdown (57), out of resources (53);
    # it also covers class 40, a conflict between transactions, which is not an outage.
    if isinstance(exc, sqlalchemy.exc.TimeoutError):  # the connection pool is exhausted
        return True
    if not isinstance(exc, sqlalchemy.exc.DBAPIError) or is_transaction_conflict(exc):
        return False
    return exc.connection_invalidated or isinstance(
        exc.orig, psycopg2.OperationalError | psycopg2.InterfaceError
    )


def worth_retrying(exc: BaseException) -> bool:
    """Whether the same transaction may succeed later: the database was down, or the transaction
    lost a conflict with a concurrent one."""
    return is_database_outage(exc) or is_transaction_conflict(exc)
