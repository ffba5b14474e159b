"""Failed predictions, recorded for GetPredictionStats' error_count.

A Predict call or StreamPredict message that fails once its model version is chosen is written
as one PredictionFailure row, off the request's path: the caller gets its error at once, and a
failed write is logged, never raised. At most MAX_PENDING writes wait at a time; failures past
that (a client sending bad messages as fast as it can) are counted in the log line only.
"""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.database import Database
from server.db.enums import PredictionSource
from server.db.models import PredictionFailure
from server.errors import QuantisError

log = logging.getLogger("server.prediction")

MAX_PENDING = 1000


class FailureLog:
    def __init__(self, db: Database):
        self._db = db
        self._pending: set[asyncio.Task[None]] = set()
        self.dropped = 0

    def record(
        self, owner_id: str, model_id: str, version_id: str, source: PredictionSource, error: Exception
    ) -> None:
        if len(self._pending) >= MAX_PENDING:
            self.dropped += 1
            return
        reason = error.reason if isinstance(error, QuantisError) else "INTERNAL"
        row = PredictionFailure(
            owner_id=owner_id, model_id=model_id, version_id=version_id, source=source, reason=reason[:64]
        )
        task = asyncio.get_running_loop().create_task(self._write(row))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, row: PredictionFailure) -> None:
        try:
            await self._db.run(lambda session: session.add(row))
        except Exception:
            log.warning("a failed prediction could not be recorded", exc_info=True)

    async def close(self) -> None:
        """Wait for the writes under way."""
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self.dropped:
            log.warning("failed predictions not recorded (too many at once)", extra={"count": self.dropped})


def failure_counts(session: Session, where: list[sa.ColumnElement[bool]]) -> dict[str, int]:
    """Failures per version among those matching ``where`` (conditions on PredictionFailure)."""
    rows = session.execute(
        sa.select(PredictionFailure.version_id, sa.func.count())
        .where(*where)
        .group_by(PredictionFailure.version_id)
    )
    return {version_id: int(count) for version_id, count in rows}
