"""What a training job does for those watching it while it runs: a heartbeat, which also
notices a cancellation or a deletion (Watchdog), and progress snapshots, published as they
come and stored at most every PROGRESS_WRITE_SECONDS (Reporter)."""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from typing import Any

from server.db.database import Database
from server.db.enums import JobState
from server.jobs import records
from server.jobs.publish import Publisher
from training import ProgressEvent

log = logging.getLogger("server.jobs")
PROGRESS_WRITE_SECONDS = 0.5
CANCEL_POLL_SECONDS = 1.0


class Stopped(Exception):
    """The job was cancelled or deleted while it ran."""


class Watchdog:
    """A thread that refreshes the heartbeat and notices cancellation (at most once a second)."""

    def __init__(self, db: Database, job_id: str, heartbeat_seconds: float):
        self._db, self._job_id, self._every = db, job_id, heartbeat_seconds
        self.stop_requested = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"watchdog-{job_id}", daemon=True)
        self._last_beat = time.monotonic()

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._done.wait(CANCEL_POLL_SECONDS):
            write = time.monotonic() - self._last_beat >= self._every
            try:
                if self._db.run_sync(partial(records.heartbeat, job_id=self._job_id, write=write)):
                    self.stop_requested = True
                if write:
                    self._last_beat = time.monotonic()
            except Exception:
                log.warning("heartbeat failed", exc_info=True)

    def check(self) -> bool:
        return self.stop_requested


class Reporter:
    """Turns training's epoch events into progress snapshots: every one published, stored at most
    every half second (and always the last)."""

    def __init__(self, db: Database, job_id: str, publisher: Publisher, deep: bool):
        self._db, self._job_id, self._publisher, self._deep = db, job_id, publisher, deep
        self._last_write = 0.0

    def send(self, snapshot: dict[str, Any], *, store: bool = True) -> None:
        self._publisher.publish(records.event(self._job_id, snapshot))
        if store or time.monotonic() - self._last_write >= PROGRESS_WRITE_SECONDS:
            self._db.run_sync(lambda s: records.record_progress(s, self._job_id, snapshot))
            self._last_write = time.monotonic()

    def status(self, message: str, fraction: float) -> None:
        self.send(records.progress(JobState.RUNNING, message, fraction_complete=fraction))

    def trial(self, done: int, total: int, best: float | None) -> None:
        """Progress of a hyperparameter search: trials done of at most ``total``."""
        best_text = f"; best trial score {best:.4f}" if best is not None else ""
        snapshot = records.progress(
            JobState.RUNNING,
            f"search trial {done} of at most {total}{best_text}",
            trial=done,
            total_trials=total,
            fraction_complete=min(0.5 * done / max(total, 1), 0.5),
        )
        self.send(snapshot)

    def epoch(self, event: ProgressEvent) -> None:
        if not self._deep:
            return
        total = max(event.total_epochs, event.epoch, 1)
        snapshot = records.progress(
            JobState.RUNNING,
            f"epoch {event.epoch} of at most {total}",
            epoch=event.epoch,
            total_epochs=total,
            train_loss=records.finite(event.train_loss),
            validation_loss=records.finite(event.val_loss),
            eta_seconds=records.finite(event.eta_seconds),
            fraction_complete=min(0.9 * event.epoch / total, 0.9),
        )
        self.send(snapshot, store=False)
