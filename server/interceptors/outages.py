"""Which exceptions of the database and Redis drivers mean "retry": a dependency is down, or
the database rolled the call back for a conflict with a concurrent one.

PostgreSQL restarting or Redis gone is not a bug in Quantis and not the caller's
mistake: the caller should see UNAVAILABLE (retryable, with a retry delay), never
INTERNAL. The drivers raise their own exception types from deep inside a repository
or a state store, so they are recognised here, next to the error interceptor, instead
of in every caller. A deadlock or serialization failure is ABORTED, gRPC's code for a
concurrency conflict the client may retry. Anything else from a driver (a constraint
violation, a syntax error) is still a bug and stays INTERNAL.
"""

from __future__ import annotations

import redis.exceptions

from server import errors
from server.db.outages import is_database_outage, is_transaction_conflict

RETRY_AFTER_SECONDS = 1.0


def as_retryable(exc: BaseException) -> errors.Unavailable | errors.Aborted | None:
    """The UNAVAILABLE (or, for a conflict, ABORTED) error ``exc`` stands for, or None when it is
    neither."""
    if is_transaction_conflict(exc):
        return errors.Aborted(
            "the call conflicted with a concurrent change to the same records and was rolled back; retry it",
            reason="TRANSACTION_CONFLICT",
        )
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
