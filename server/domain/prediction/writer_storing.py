"""How the prediction history's writer stores a batch of served requests: in one transaction, in
the database's thread or in a StoreProcess of its own; request by request when that transaction
fails; back to the spool when the database is down; and, for requests read back from the spool,
less those stored already. HistoryWriter (server.domain.prediction.writer) inherits it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import sqlalchemy as sa

from server.db.models import ModelVersion
from server.db.outages import worth_retrying
from server.domain.prediction.history import (
    PREDICTIONS,
    DatabaseDown,
    Served,
    StoreProcess,
    store_predictions,
)
from server.domain.prediction.spool import Spool

log = logging.getLogger(__name__)


class BatchStoring:
    """The storing half of HistoryWriter, which sets these attributes and counts the drops."""

    _db: Any
    _separate: bool
    _nice: int
    _idle: bool
    _process: StoreProcess | None
    spool: Spool | None
    _dropped: int

    def _drop(self, rows: int) -> None:  # HistoryWriter's: counts them, and warns now and then
        raise NotImplementedError

    async def _store_or_drop(self, batch: list[Served]) -> bool:
        """Store ``batch`` in one transaction; True when the database is down, and the batch went
        back to the spool. When it fails otherwise, each request is stored in a transaction of
        its own, and only the requests that fail alone are dropped (and counted): one for a
        version deleted meanwhile must not take the others of its transaction with it."""
        if not batch:
            return False
        try:
            await self._store(batch)
            return False
        except Exception as exc:
            if self._spooled_for_outage(exc, batch):
                return True
            if len(batch) == 1:
                await self._report_dropped(batch[0], exc)
                return False
            log.warning("could not store %d requests together; storing each alone", len(batch))
        for index, item in enumerate(batch):
            try:
                await self._store([item])
            except Exception as exc:
                if self._spooled_for_outage(exc, batch[index:]):
                    return True
                await self._report_dropped(item, exc)
        return False

    async def _report_dropped(self, item: Served, exc: Exception) -> None:
        """Count ``item``'s rows dropped, and say why: a version deleted since it answered (with its
        model) is expected, and said in a line; anything else is an error, with its traceback."""
        self._dropped += item.size

        def version_exists(session: Any) -> bool:
            query = sa.select(ModelVersion.id).where(ModelVersion.id == item.version_id)
            return session.scalar(query) is not None

        try:
            deleted = not await self._db.run(version_exists)
        except Exception:
            deleted = False
        if deleted:
            log.info(
                "%d predictions of model version %s not stored: it was deleted", item.size, item.version_id
            )
        else:
            log.error("could not store %d predictions", item.size, exc_info=exc)

    def _spooled_for_outage(self, exc: Exception, served: list[Served]) -> bool:
        """When ``exc`` says the database is down and there is a spool: ``served`` goes (back) to
        the spool, to be stored when the database is back. Otherwise False, and nothing done."""
        if self.spool is None or not (isinstance(exc, DatabaseDown) or worth_retrying(exc)):
            return False
        log.warning(
            "the database is unavailable; %d prediction rows wait in the spool", sum(s.size for s in served)
        )
        for item in served:  # a commit cut off by the outage may have happened: checked when read back
            if not self.spool.append(item, stored_maybe=True):
                self._drop(item.size)
        return True

    async def _not_yet_stored(self, served: list[Served]) -> list[Served]:
        """``served`` less the requests already in the database (a request's rows are stored in
        one transaction: its first id tells)."""
        firsts = [item.ids[0] for item in served if item.size]

        def existing(session: Any) -> set[str]:
            return set(session.scalars(sa.select(PREDICTIONS.c.id).where(PREDICTIONS.c.id.in_(firsts))))

        stored = await self._db.run(existing)
        return [item for item in served if item.size and item.ids[0] not in stored]

    async def _store(self, batch: list[Served]) -> None:
        if not self._separate:
            await self._db.run(lambda s: store_predictions(s.connection(), batch))
            return
        if self._process is None or not self._process.alive:
            if self._process is not None:
                await asyncio.to_thread(self._process.stop)
            url = self._db.engine.url.render_as_string(hide_password=False)
            self._process = await asyncio.to_thread(StoreProcess, url, self._nice, self._idle)
        await asyncio.to_thread(self._process.store, batch)
