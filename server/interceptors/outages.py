"""Which exceptions of the database and Redis drivers mean "a dependency is down, retry".

PostgreSQL restarting or Redis gone is not a bug in Quantis and not the caller's
mistake: the caller should see UNAVAILABLE (retryable, with a retry delay), never
INTERNAL. The drivers raise their own exception types from deep inside a repository
or a state store, so they are recognised here, next to the error interceptor, instead
of in every caller. Anything else from a driver (a constraint violation, a syntax
error) is still a bug and stays INTERNAL.
"""

from __future__ import annotations

import psycopg2  # type: ignore[import-untyped]  # no stubs; only its exception classes are used
import redis.exceptions
import sqlalchemy.exc

from server import errors

RETRY_AFTER_SECONDS = 1.0


def as_outage(exc: BaseException) -> errors.Unavailable | None:
    """The UNAVAILABLE error ``exc`` stands for, or None when it is not an outage."""
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return errors.Unavailable(
            "the cache (Redis) is unavailable; retry shortly",
            reason="CACHE_UNAVAILABLE",
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )
    if _is_database_outage(exc):
        return errors.Unavailable(
            "the database is unavailable; retry shortly",
            reason="DATABASE_UNAVAILABLE",
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )
    return None


def _is_database_outage(exc: BaseException) -> bool:
    # psycopg2's OperationalError covers the SQLSTATE classes of outages: connection
    # failures (08), operator intervention such as a shutdown (57), out of resources (53).
    if isinstance(exc, sqlalchemy.exc.TimeoutError):  # the connection pool is exhausted
        return True
    if not isinstance(exc, sqlalchemy.exc.DBAPIError):
        return False
    return exc.connection_invalidated or isinstance(
        exc.orig, psycopg2.OperationalError | psycopg2.InterfaceError
    )
