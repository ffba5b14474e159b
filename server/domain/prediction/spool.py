"""The prediction history's overflow: served requests kept on disk while the history is behind.

The history writer keeps a bounded backlog in memory. Past it, a served request used to be
dropped, and the prediction ids its answer carried then named nothing (SubmitActuals answered
NOT_FOUND for them). A sustained stream outruns the history: the history process stores about
80,000 rows a second on SQLite, a stream on two cores answers 100,000-150,000 series a second.
So the writer appends what does not fit in memory to a spool, a directory of segment files,
and stores it from there once its memory queue is empty; a server stopped with a backlog
leaves it in the spool, and the next one to start on the data directory stores it.

Segments (their files and records: server.domain.prediction.spool_files) are read from oldest
to newest, each deleted once every record in it has been stored. All file work happens in one
thread of the spool's own, in order: the event loop pickles (about 80 µs for a thousand series)
and hands the bytes over. Records found at start may already have been stored (a server killed
between a commit and the deletion of its segment), and so may records put back after a failed
commit whose outcome is unknown (a connection lost during COMMIT): the writer skips any whose
rows exist (``Taken.recovered``). A spool takes over the segments of slots no running process
holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, TYPE_CHECKING

from server.domain.prediction.spool_files import (
    HEADER,
    LOCK_NAME,
    SUFFIX,
    Segment,
    Taken,
    claim,
    complete_records,
    segments_of,
)

if TYPE_CHECKING:
    from server.domain.prediction.history import Served

log = logging.getLogger(__name__)

SEGMENT_BYTES = 64 * 1024 * 1024


class Spool:
    """Served requests on disk under ``root``, at most ``max_bytes`` of them.

    The counters (``rows``, ``bytes``, ``spooled``, ``lost``) are kept for the event loop;
    ``append`` and ``handed_over`` are called from it, ``take``, ``finish`` and ``close`` from
    another thread (they queue their work on the spool's thread and wait for it).
    """

    def __init__(self, root: Path, max_bytes: int, segment_bytes: int = SEGMENT_BYTES):
        self._max_bytes = max_bytes
        self._segment_bytes = segment_bytes
        self._lock = threading.Lock()  # the counters, shared with the spool's thread
        self.rows = 0
        """Rows spooled and not yet taken."""
        self.bytes = 0
        """Bytes on disk, records taken but not yet finished included."""
        self.spooled = 0
        """Rows appended since the start (a counter)."""
        self.lost = 0
        """Rows appended that could not be written (the disk failed or filled)."""
        self._unwritten = 0  # rows appended, not yet written by the spool's thread
        self._pending: list[tuple[bytes, bytes, int, bool]] = []  # records appended, to write
        self._write_queued = False  # a _write_pending is queued on the spool's thread
        self._directory, self._slot_lock = claim(root)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="quantis-history-spool")
        self._segments: deque[Segment] = deque()
        self._writing: tuple[Path, int, int] | None = None  # path, descriptor, bytes written
        self._reading: tuple[Segment, IO[bytes]] | None = None
        self._next = 1 + max((int(path.stem) for path in segments_of(self._directory)), default=-1)
        self._adopt_orphans(root)
        self._recover()

    @property
    def directory(self) -> Path:
        return self._directory

    def _adopt_orphans(self, root: Path) -> None:
        """Move the segments of slots no running process holds into this one."""
        for other in sorted(root.iterdir()):
            if other == self._directory or not other.is_dir() or not segments_of(other):
                continue
            with (other / LOCK_NAME).open("ab") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its process is running and will store them
                for path in segments_of(other):
                    os.replace(path, self._directory / f"{self._next:012d}{SUFFIX}")
                    self._next += 1

    def _recover(self) -> None:
        for path in segments_of(self._directory):
            rows, size = complete_records(path)
            if rows == 0:
                path.unlink()
                continue
            self._segments.append(Segment(path, recovered=True))
            self.rows += rows
            self.bytes += size
        if self.rows:
            log.warning(
                "the prediction history spool holds %d rows from an earlier server; storing them", self.rows
            )

    # -- the event loop's side ----------------------------------------------------------------

    def append(self, served: Served, stored_maybe: bool = False) -> bool:
        """Queue ``served`` for the disk; False (nothing done) when that would pass ``max_bytes``.
        ``stored_maybe``: its rows may be in the database already (see Taken.recovered)."""
        data = pickle.dumps(served, protocol=pickle.HIGHEST_PROTOCOL)
        size = HEADER.size + len(data)
        with self._lock:
            if self.bytes + size > self._max_bytes:
                return False
            self.bytes += size
            self.rows += served.size
            self.spooled += served.size
            self._unwritten += served.size
            self._pending.append((HEADER.pack(len(data), served.size), data, served.size, stored_maybe))
            if self._write_queued:
                return True  # the queued write takes this record too
            self._write_queued = True
        self._thread.submit(self._write_pending)
        return True

    # -- the spool's thread -------------------------------------------------------------------

    def _write_pending(self) -> None:
        with self._lock:
            records, self._pending, self._write_queued = self._pending, [], False
            self._unwritten -= sum(record[2] for record in records)
        for header, data, rows, stored_maybe in records:
            self._write(header, data, rows, stored_maybe)

    def _write(self, header: bytes, data: bytes, rows: int, stored_maybe: bool) -> None:
        size = len(header) + len(data)
        try:
            if self._writing is None or self._writing[2] >= self._segment_bytes:
                self._seal()
                path = self._directory / f"{self._next:012d}{SUFFIX}"
                self._next += 1
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                self._writing = (path, descriptor, 0)
                self._segments.append(Segment(path, recovered=False))
            path, descriptor, written = self._writing
            if os.writev(descriptor, [header, data]) != size:  # the disk is full
                os.ftruncate(descriptor, written)  # no partial record for the next ones to follow
                raise OSError(f"short write to {path}")
            self._writing = (path, descriptor, written + size)
            self._segments[-1].recovered |= stored_maybe  # the segment written is the newest
        except OSError:
            log.exception("could not spool %d prediction history rows", rows)
            with self._lock:
                self.rows -= rows
                self.bytes -= size
                self.lost += rows

    def _seal(self) -> None:
        if self._writing is not None:
            os.close(self._writing[1])
            self._writing = None

    def _take(self, max_rows: int) -> Taken:
        taken = Taken()
        while taken.rows < max_rows and (self._reading is not None or self._segments):
            if self._reading is None:
                segment = self._segments[0]
                if self._writing is not None and self._writing[0] == segment.path:
                    self._seal()  # the newest segment: later records start another
                self._reading = (segment, segment.path.open("rb"))
            segment, reader = self._reading
            header = reader.read(HEADER.size)
            length, rows = HEADER.unpack(header) if len(header) == HEADER.size else (0, 0)
            data = reader.read(length) if length else b""
            if not length or len(data) < length:  # the end of the segment
                reader.close()
                self._reading = None
                self._segments.popleft()
                taken.finished.append((segment.path, segment.path.stat().st_size))
                continue
            try:
                taken.served.append(pickle.loads(data))
            except Exception:  # written by another version of the server, or damaged on disk
                log.exception(
                    "an unreadable record in history spool segment %s: %d rows lost", segment.path, rows
                )
                with self._lock:
                    self.rows -= rows
                    self.lost += rows
                continue
            taken.rows += rows
            taken.recovered |= segment.recovered
        if self._reading is None and not self._segments:
            with self._lock:  # nothing left to read: only what is still to be written, and this
                self.rows = self._unwritten + taken.rows
        return taken

    def _finish(self, taken: Taken) -> None:
        freed = 0
        for path, size in taken.finished:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            freed += size
        with self._lock:
            self.bytes -= freed

    # -- any thread ---------------------------------------------------------------------------

    def take(self, max_rows: int) -> Taken:
        """The oldest records, about ``max_rows`` rows of them (whole records); blocks. Their
        rows stay in ``rows`` until ``handed_over``, so that a backlog read on the event loop
        never looks empty while they are on their way to it."""
        return self._thread.submit(self._take, max_rows).result()

    def handed_over(self, taken: Taken) -> None:
        """``taken``'s rows are the caller's to count now."""
        with self._lock:
            self.rows -= taken.rows

    def finish(self, taken: Taken) -> None:
        """``taken`` is stored (or given up on): delete the segments it emptied; blocks."""
        self._thread.submit(self._finish, taken).result()

    def close(self) -> None:
        """Write what was appended, close the files and give up the slot; blocks. Records not
        taken stay on disk for the next server."""
        done: Future[None] = self._thread.submit(self._seal)
        done.result()
        if self._reading is not None:
            self._reading[1].close()
            self._reading = None
        self._thread.shutdown()
        self._slot_lock.close()
