"""Which exceptions of the database and Redis drivers mean "a dependency is down, retry".

PostgreSQL restarting or Redis gone is not a bug in Quantis and not the caller's
mistake: the caller should see UNAVAILABLE (retryable, with a retry delay), never
INTERNAL. The drivers raise their own exception types from deep inside a repository
or a state store, so they are recognised here, next to the error interceptor, instead
of in every caller. Anything else from a driver (a constraint violation, a syntax
error) is still a bug and stays INTERNAL.
"""

from __future__ import annotations

import redis.exceptions

from server import errors
from server.db.outages import is_database_outage

RETRY_AFTER_SECONDS = 1.0


def as_outage(exc: BaseException) -> errors.Unavailable | None:
    """The UNAVAILABLE error ``exc`` stands for, or None when it is not an outage."""
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return errors.Unavailable(
            "the cache (Redis) is unavailable; retry shortly",
            reason="CACHE_UNAVAILABLE",
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )
    if is_database_outage(exc):
        return errors.Unavailable(
            "the database is unavailable; retry shortly",
            reason="DATABASE_UNAVAILABLE",
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )
    return None
