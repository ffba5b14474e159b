"""Random identifiers without a system call for each one.

``os.urandom`` releases the interpreter lock around its getrandom() call. On the event loop
that is costly beyond the call itself: a waiting thread (gRPC's completion-queue poller, a
forward pass, the history writer) takes the lock, and the loop then waits to get it back,
which two ids per Predict made a visible share of its time. The bytes here are read from
``os.urandom`` 4 KiB at a time and handed out in order, so identifiers stay unpredictable.
"""

from __future__ import annotations

import os
import threading

_CHUNK = 4096


class _RandomBytes:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Also after a fork: the child must not hand out the parent's unused bytes again (and
        # a lock held by another thread of the parent at the fork would never be released).
        self._lock = threading.Lock()
        self._buffer = b""
        self._used = 0

    def take(self, count: int) -> bytes:
        if not 0 < count <= _CHUNK:
            raise ValueError(f"1 to {_CHUNK} bytes at once")
        with self._lock:
            if self._used + count > len(self._buffer):
                self._buffer, self._used = os.urandom(_CHUNK), 0
            start, self._used = self._used, self._used + count
            return self._buffer[start : self._used]


_SOURCE = _RandomBytes()
os.register_at_fork(after_in_child=_SOURCE._reset)


def random_bytes(count: int) -> bytes:
    """``count`` (at most 4096) bytes from the operating system's random source."""
    return _SOURCE.take(count)


def random_uuid() -> str:
    """A random (version 4) UUID in its 36-character text form: what
    ``str(uuid.UUID(bytes=..., version=4))`` gives, in a third of its time (one per Predict)."""
    raw = bytearray(random_bytes(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    digits = raw.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def random_hex() -> str:
    """128 random bits as 32 hexadecimal digits."""
    return random_bytes(16).hex()
