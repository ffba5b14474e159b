"""How long the prediction history is kept.

Every series served is a history row (about a kilobyte with its indexes), so a busy server's
history grows by gigabytes a day. With a retention set, rows older than it, and the actuals
submitted for them, are deleted a few thousand at a time: each delete is its own short
transaction, so the history writer and the requests reading the history wait for one chunk at
most (SQLite has one writer), never for the whole backlog.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.base import utcnow
from server.db.database import Database
from server.db.models import Model, Prediction, PredictionFailure

CHUNK_ROWS = 5000


class HistoryRetention:
    """Deletes predictions recorded more than ``days`` ago (0 keeps them all), ``chunk_rows``
    per transaction; ``on_pruned`` hears how many each round deleted."""

    def __init__(
        self,
        db: Database,
        days: float,
        *,
        chunk_rows: int = CHUNK_ROWS,
        on_pruned: Callable[[int], None] | None = None,
    ):
        if days < 0:
            raise ValueError("days must not be negative")
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be positive")
        self._db = db
        self._days = days
        self._chunk = chunk_rows
        self._on_pruned = on_pruned

    @property
    def days(self) -> float:
        return self._days

    async def prune_once(self) -> int:
        """Delete what is past the retention now; how many predictions were deleted."""
        if self._days == 0:
            return 0
        cutoff = utcnow() - timedelta(days=self._days)
        model_ids = await self._db.run(lambda s: list(s.scalars(sa.select(Model.id))))
        deleted = 0
        tables: tuple[type[Prediction] | type[PredictionFailure], ...] = (Prediction, PredictionFailure)
        for model_id, table in itertools.product(model_ids, tables):
            # Model by model, so each chunk is found through (model_id, created_at) rather than
            # by reading the whole table. The failures recorded for the stats go the same way.
            delete_chunk = functools.partial(
                self._delete_chunk, table=table, model_id=model_id, cutoff=cutoff
            )
            while True:
                count = await self._db.run(delete_chunk)
                deleted += count if table is Prediction else 0
                if count < self._chunk:
                    break
        if self._on_pruned is not None:
            self._on_pruned(deleted)
        return deleted

    def _delete_chunk(
        self,
        session: Session,
        table: type[Prediction] | type[PredictionFailure],
        model_id: str,
        cutoff: datetime,
    ) -> int:
        oldest = (
            sa.select(table.id)
            .where(table.model_id == model_id, table.created_at < cutoff)
            .order_by(table.created_at)
            .limit(self._chunk)
        )
        # The actuals go with them (ON DELETE CASCADE, which SQLite honours here: the server's
        # connections turn foreign keys on).
        deleted = session.execute(
            sa.delete(table).where(table.id.in_(oldest)),
            execution_options={"synchronize_session": False},
        )
        return int(deleted.rowcount)  # type: ignore[attr-defined]
