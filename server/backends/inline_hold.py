"""The hold after a pass that ran on the event loop: how long it keeps its place in the batcher.

The loop takes no request while a pass runs on it, so a pass that served several requests on a
busy loop (``LoopLoad``: at least ``HOLD_BUSY`` of a core) keeps its place for ``INLINE_HOLD``
times its length after it (at most the batcher's delay), and the next pass gathers what arrives
meanwhile (server.backends.batcher).
"""

from __future__ import annotations

import time
from collections.abc import Callable

# How long a pass that ran on the event loop keeps its place after it, in lengths of the pass,
# when it served several requests (see hold_after). At 64 callers after a run at one, a hold of one
# pass's length settled at passes of 8-16 series (1,596-1,926 requests/s), of 2.5 at 9-32
# (2,002-2,073); with no hold the passes stayed at the two series or so that got in between them.
INLINE_HOLD = 2.5
# The event loop's share of a core (LoopLoad) from which an inline pass holds its place. A loop
# with time to spare takes in the requests that arrived during a pass within a turn or two, and
# a hold there only delays the next pass: at 300 requests/s arriving at random the loop was about
# a third busy, and the holds added 2-4 ms to the median; at 64 callers it was 92%. A collapse
# into passes of a few series at 16 callers, seen once with the loop just under this (and once
# with a hold after every pass), recovered with the next load.
HOLD_BUSY = 0.6


class LoopLoad:
    """How busy the thread that asks has been lately: its CPU time over the wall-clock time of
    the last full window of ``window`` seconds, from the first ask on."""

    def __init__(self, window: float = 0.1) -> None:
        self.window = window
        self._start: tuple[float, float] | None = None  # the window's wall-clock and CPU time
        self._busy = 0.0

    def busy(self) -> float:
        now = (time.perf_counter(), time.thread_time())
        if self._start is None:
            self._start = now
        elif now[0] - self._start[0] >= self.window:
            self._busy = (now[1] - self._start[1]) / (now[0] - self._start[0])
            self._start = now
        return self._busy


def hold_after(
    held: float, served: int, max_delay: float, busy: Callable[[], float], hold_busy: float
) -> float:
    """How long a pass keeps its place after it, 0.0 to release it at once. ``held`` is how long
    it held the event loop (0 when it ran elsewhere), ``served`` how many requests it served;
    ``busy`` (a LoopLoad's) is asked only when the rest allows a hold, as it moves its window."""
    if held > 0 and served > 1 and max_delay > 0 and busy() >= hold_busy:
        return min(held * INLINE_HOLD, max_delay)
    return 0.0
