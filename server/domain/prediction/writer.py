"""The prediction history's writer: served requests queued on the request path, stored behind it.

What it stores, and how, is server.domain.prediction.history; how it stores a batch (one
transaction, or a request at a time when that fails), server.domain.prediction.writer_storing;
where rows wait when memory is full or the database is down, server.domain.prediction.spool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
from collections.abc import Callable
from typing import Any

from server.domain.prediction.history import Served, StoreProcess
from server.domain.prediction.spool import Spool
from server.domain.prediction.writer_storing import BatchStoring

log = logging.getLogger(__name__)

DROP_LOG_SECONDS = 10.0  # while rows are dropped, a warning at most this often
SPOOL_RETRY_SECONDS = 5.0  # after the spool could not be read, or the database was down


class HistoryWriter(BatchStoring):
    """An asyncio queue of served requests drained by one background task in batched inserts.

    ``record`` is all the request path does: it queues the arrays. The drain builds the rows
    and inserts them, up to ``batch_series`` rows per transaction, in a StoreProcess when
    ``separate_process`` (started on first use, and again if it dies: the requests it was
    storing are counted as dropped; ``nice`` steps below the server's CPU priority, and with
    ``idle`` only when the CPUs are otherwise idle), else in
    the database's thread.
    With ``gather_seconds``, a transaction waits that long after its first request for more
    (not when ``batch_series`` rows have gathered, nor during a flush): a transaction has a
    fixed cost (a commit, a statement), and without the wait a moderate load pays it for every
    request or two. ``flush`` waits until everything recorded so far is stored; ``close``
    flushes for a while and stops the task.
    Beyond ``max_queued_series`` rows in memory, a request goes to the ``spool`` on disk, to be
    stored once the memory queue is empty (and what ``close`` could not store waits there for
    the next server); without a spool, or with the spool full, it is dropped and counted.
    """

    def __init__(
        self,
        db: Any,
        *,
        batch_series: int = 5000,
        max_queued_series: int = 200_000,
        on_record: Callable[[Served], None] | None = None,
        separate_process: bool = False,
        gather_seconds: float = 0.0,
        nice: int = 0,
        idle: bool = False,
        spool: Spool | None = None,
    ):
        self._db = db
        self._separate = separate_process
        self._nice = nice
        self._idle = idle and hasattr(os, "SCHED_IDLE")  # a Linux scheduling policy
        self._process: StoreProcess | None = None
        self._on_record = on_record
        self._batch_series = batch_series
        self._gather = gather_seconds
        self._gathered = asyncio.Event()  # set: store now (a full batch, or a flush waits)
        self._arrived = asyncio.Event()  # set: something was recorded (to memory or the spool)
        self._stored = asyncio.Event()  # set after each transaction
        self._flushing = 0
        self._max_queued = max_queued_series
        self._queue: asyncio.Queue[Served] = asyncio.Queue()
        self._queued_series = 0  # in memory: queued, or in the transaction being written
        self._taken_series = 0  # taken from the spool, in the transaction being written
        self._storing: list[Served] = []
        self._task: asyncio.Task[None] | None = None
        self.spool = spool
        self._dropped = 0
        self._drop_logged = -math.inf  # when the last drop was logged (time.monotonic)

    @property
    def queued_series(self) -> int:
        """Rows recorded but not yet stored (in memory, spooled, or in the transaction being written)."""
        spooled = self.spool.rows if self.spool is not None else 0
        return self._queued_series + self._taken_series + spooled

    @property
    def dropped(self) -> int:
        """Rows recorded that will never be stored."""
        return self._dropped + (self.spool.lost if self.spool is not None else 0)

    def start(self) -> None:
        """Begin draining now (a spool left by an earlier server), not at the first ``record``."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())

    def record(self, served: Served) -> None:
        if self._on_record is not None:  # the prediction counters, whether or not the rows get stored
            self._on_record(served)
        self.start()
        self._stored.clear()
        self._arrived.set()
        if self._queued_series + served.size > self._max_queued:
            if self.spool is None or not self.spool.append(served):
                self._drop(served.size)
            return
        self._queued_series += served.size
        self._queue.put_nowait(served)
        if self._queued_series >= self._batch_series:
            self._gathered.set()

    def _drop(self, rows: int) -> None:
        self._dropped += rows
        now = time.monotonic()
        if now - self._drop_logged >= DROP_LOG_SECONDS:  # not a line per message under overload
            self._drop_logged = now
            log.warning("prediction history backlog full; %d rows dropped so far", self.dropped)

    async def _drain(self) -> None:
        while True:
            if self._queue.empty() and self.spool is not None and self.spool.rows:
                await self._store_spooled(self.spool)
                continue
            if self._queue.empty():
                self._arrived.clear()
                await self._arrived.wait()
                continue
            batch = [self._queue.get_nowait()]
            await self._wait_for_company()
            series = batch[0].size
            while series < self._batch_series and not self._queue.empty():
                batch.append(self._queue.get_nowait())
                series += batch[-1].size
            self._storing = batch  # if closing cancels the store, close() spools the batch
            down = await self._store_or_drop(batch)
            self._storing = []
            self._queued_series -= series
            for _ in batch:
                self._queue.task_done()
            self._stored.set()
            if down:  # the batch is in the spool: wait a while before the next try
                await asyncio.sleep(SPOOL_RETRY_SECONDS)

    async def _store_spooled(self, spool: Spool) -> None:
        try:
            taken = await asyncio.to_thread(spool.take, self._batch_series)
        except OSError:  # the spool's directory cannot be read: try again in a while, not at once
            log.exception("could not read the prediction history spool")
            await asyncio.sleep(SPOOL_RETRY_SECONDS)
            return
        spool.handed_over(taken)  # from one count of the backlog to the other, with no await between
        self._taken_series = taken.rows
        try:  # if closing cancels it, the segments stay and the next server stores what is not stored
            batch = taken.served
            if taken.recovered:
                try:
                    batch = await self._not_yet_stored(batch)
                except Exception:  # then a request stored already fails alone, as a duplicate
                    log.exception("could not tell which spooled predictions are stored already")
            down = await self._store_or_drop(batch)
            self._taken_series = 0  # stored, dropped or back in the spool
            await asyncio.to_thread(spool.finish, taken)
        finally:
            self._taken_series = 0
            self._stored.set()
        if down:
            await asyncio.sleep(SPOOL_RETRY_SECONDS)

    async def _wait_for_company(self) -> None:
        self._gathered.clear()
        if self._gather <= 0 or self._flushing or self._queued_series >= self._batch_series:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._gathered.wait(), self._gather)

    async def flush(self) -> None:
        """Wait until every row recorded so far is stored (or dropped)."""
        if self._task is None:
            return
        self._flushing += 1
        self._gathered.set()
        try:
            while self.queued_series:
                self._stored.clear()
                await self._stored.wait()
        finally:
            self._flushing -= 1

    async def close(self, store_for: float = 10.0) -> None:
        """Store what is recorded, for at most ``store_for`` s; then stop, leaving the rest in the spool."""
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.flush(), store_for)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            # The transaction cut short may have been committed: the next server skips its rows then.
            left = self._storing + [self._queue.get_nowait() for _ in range(self._queue.qsize())]
            self._storing = []
            for served in left:
                self._queued_series -= served.size
                if self.spool is None or not self.spool.append(served):
                    self._drop(served.size)
        if self._process is not None:
            await asyncio.to_thread(self._process.stop)
            self._process = None
        if self.spool is not None:
            await asyncio.to_thread(self.spool.close)
