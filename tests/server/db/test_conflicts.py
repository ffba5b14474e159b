"""A transaction PostgreSQL rolls back for a conflict with another is ABORTED, not an outage."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
import sqlalchemy.exc

from server.db.engine import create_engine
from server.db.outages import is_database_outage, worth_retrying
from server.interceptors.errors import reported_as


def deadlock(url: str) -> sqlalchemy.exc.DBAPIError:
    """The error PostgreSQL gives one of two transactions that lock two rows in opposite orders."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE pair (id int PRIMARY KEY, n int)"))
        conn.execute(sa.text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    both_hold_one = threading.Barrier(2)
    errors: list[BaseException] = []

    def lock(first: int, second: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE pair SET n = n + 1 WHERE id = :id"), {"id": first})
                both_hold_one.wait(timeout=10)
                conn.execute(sa.text("UPDATE pair SET n = n + 1 WHERE id = :id"), {"id": second})
        except sqlalchemy.exc.DBAPIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=lock, args=order) for order in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert len(errors) == 1, errors  # PostgreSQL ends one of the two; the other commits
    return errors[0]  # type: ignore[return-value]


@pytest.mark.postgres
def test_a_deadlock_is_aborted_for_the_caller_to_retry_not_database_unavailable(postgres_url: str) -> None:
    exc = deadlock(postgres_url)
    assert not is_database_outage(exc)
    assert worth_retrying(exc)  # the prediction history keeps its rows for another try
    reported = reported_as(exc)
    assert reported is not None
    assert (type(reported).__name__, reported.reason) == ("Aborted", "TRANSACTION_CONFLICT")
