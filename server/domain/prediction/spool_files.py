"""The prediction history spool's files (server.domain.prediction.spool), and what a read of them
gives (Taken).

Each serving process holds a slot directory of its own under the spool's root (a file lock on
its ``.lock``), and appends to numbered segment files in it (``000000000000.spool`` on). A
segment is a sequence of records, each a header (the length of its pickle in bytes, and its
rows) and one pickled ``Served``; a record cut short (a process killed while writing it) is
truncated away when the segment is found again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from server.domain.prediction.history import Served

log = logging.getLogger(__name__)

HEADER = struct.Struct("<II")  # record bytes, rows
MAX_SLOTS = 256
LOCK_NAME = ".lock"
SUFFIX = ".spool"


@dataclass
class Taken:
    """Records read from the spool: ``served``, and the ``finished`` segments (path, bytes) to
    delete once they are stored. ``recovered``: some may be stored already (spooled by an earlier
    server, or appended with ``stored_maybe``)."""

    served: list[Served] = field(default_factory=list)
    rows: int = 0
    finished: list[tuple[Path, int]] = field(default_factory=list)
    recovered: bool = False


@dataclass
class Segment:
    path: Path
    recovered: bool


def claim(root: Path) -> tuple[Path, IO[bytes]]:
    """The first slot directory under ``root`` no other process holds, and its held lock."""
    for slot in range(MAX_SLOTS):
        directory = root / str(slot)
        directory.mkdir(parents=True, exist_ok=True)
        lock = (directory / LOCK_NAME).open("ab")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return directory, lock
    raise RuntimeError(f"every history spool slot under {root} is held by a running process")


def segments_of(directory: Path) -> list[Path]:
    return sorted(directory.glob("*" + SUFFIX))


def complete_records(path: Path) -> tuple[int, int]:
    """The rows and bytes of the whole records in segment ``path``; a record cut short (the
    process was killed while writing it) is truncated away."""
    rows = end = 0
    size = path.stat().st_size
    with path.open("r+b") as segment:
        while end + HEADER.size <= size:
            length, count = HEADER.unpack(segment.read(HEADER.size))
            if end + HEADER.size + length > size:
                break
            segment.seek(length, os.SEEK_CUR)
            end += HEADER.size + length
            rows += count
        if end < size:
            log.warning("history spool segment %s ends in a partial record; dropped it", path.name)
            segment.truncate(end)
    return rows, end
