"""Dynamic batching: concurrent requests for one version share a forward pass.

Requests for the same (version, horizon, quantiles) share a batch. A batch waits
``max_delay`` seconds for company only when the previous pass of its kind served more
than one request; otherwise it goes with the requests that arrived together. So a lone
caller never pays the delay, while many callers share passes of a useful size even when
each pass is short. A waiting batch is due as soon as it holds as many requests as the
recent passes of its kind did (their peak, which decays by a quarter with each smaller
pass): with a few callers they have all arrived by then, and waiting longer would only
delay them. A batch is due at once when it holds ``max_series`` series (series, not requests:
one request may carry hundreds). At most ``max_concurrent`` passes run at once (the backend's
parallelism): while they do, due batches keep gathering requests, and the oldest is sent the
moment a pass ends, so under load each pass takes everything that arrived during the previous
one instead of queueing many small passes behind it. While one pass runs, another starts only
with at least ``overlap_min_series`` series: in this process a second small pass costs the busy
event loop more than it saves. A pass that one caller's series fails (a check only the model
makes) is run again request by request, so that only that caller gets the error. A request whose
caller stopped waiting (its deadline passed, it hung up) before its pass started is left out of
it, and a running pass all of whose callers stopped waiting is cancelled with its backend call
(TorchServe is told at once; a pass in a thread is only no longer waited for). A pass the backend
ran on the event loop itself (the in-process backend's short passes) took no request while it
ran, so when it served several requests on a busy loop (``LoopLoad``: at least ``hold_busy`` of
a core) it keeps its place for ``INLINE_HOLD`` times its length after it (at most ``max_delay``;
server.backends.inline_hold), and the next pass gathers what arrives meanwhile. Arrays are
concatenated (server.backends.pending_batch) and sliced with numpy, never unpacked into lists.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from opentelemetry import trace

from server.backends.base import ForecastArrays, ForecastBackend, SeriesBatch, VersionRef
from server.backends.inline_hold import HOLD_BUSY, LoopLoad, hold_after
from server.backends.pending_batch import BatchStats, Key, Pending, Request, concatenate, key_of
from training.errors import InvalidDataError, InvalidRequestError
from training.models.base import check_packed

# Keys whose recent passes are remembered: callers choose the quantiles, so there may be any
# number of keys; forgetting them all now and then only costs the next batch of each its wait.
COMPANY_KEYS = 4096
# What a backend raises for a caller's series; anything else fails every request of the pass.
DATA_ERRORS = (InvalidDataError, InvalidRequestError)


class DynamicBatcher:
    def __init__(
        self,
        backend: ForecastBackend,
        *,
        max_series: int = 1024,
        max_delay: float = 0.002,
        max_concurrent: int = 1,
        overlap_min_series: int = 1,
        hold_busy: float = HOLD_BUSY,
        on_batch: Callable[[int, float], None] | None = None,
        tracer: trace.Tracer | None = None,
    ):
        self.backend = backend
        self._tracer = tracer or trace.NoOpTracer()
        self.max_series = max_series
        self.max_delay = max_delay
        self.max_concurrent = max_concurrent
        self.overlap_min_series = overlap_min_series
        self.hold_busy = hold_busy
        self.stats = BatchStats()
        self._on_batch = on_batch
        self._pending: dict[Key, Pending] = {}  # insertion order: the oldest batch first
        self._sealed: list[Pending] = []  # full batches waiting for a free pass, oldest first
        self._running = 0
        self._in_flight: dict[asyncio.Task[tuple[ForecastArrays, float]], list[Request]] = {}
        # Per key, the requests its recent passes served: their peak, decaying; 1 after a pass alone.
        self._peak: dict[Key, int] = {}
        self._loop_load = LoopLoad()  # asked from the event loop only: its thread's load
        self._last_pass: dict[str, float] = {}  # version id: time.monotonic() of its latest pass

    def idle_versions(self, seconds: float) -> list[str]:
        """The versions that had passes, none in the last ``seconds`` and none waiting or running."""
        cutoff = time.monotonic() - seconds
        busy = {p.version.version_id for p in (*self._pending.values(), *self._sealed)}
        return [v for v, at in self._last_pass.items() if at < cutoff and v not in busy]

    def forget(self, version_id: str) -> None:
        """Stop following ``version_id``'s passes (it was unloaded) until its next one."""
        self._last_pass.pop(version_id, None)

    @property
    def queue_depth(self) -> int:
        """Series waiting for their batch to be sent."""
        return sum(p.series for p in self._pending.values()) + sum(p.series for p in self._sealed)

    async def forecast(
        self, version: VersionRef, batch: SeriesBatch, *, checked: bool = False
    ) -> ForecastArrays:
        """``batch``'s forecasts. It is checked alone first (``check_packed``), so that one caller's
        bad series cannot fail a shared batch, unless the caller has ``checked`` it as that would."""
        if not checked:
            check_packed(batch.values, batch.lengths, batch.horizon)
        future: asyncio.Future[ForecastArrays] = asyncio.get_running_loop().create_future()
        if batch.size >= self.max_series:  # already a full batch: no reason to wait
            self._run(version, [(batch, future)])
        else:
            self._enqueue(version, batch, future)
        try:
            return await future
        except asyncio.CancelledError:  # the caller gave up: its future is cancelled with it
            self._abandon_pass_of(future)
            raise

    def _enqueue(
        self, version: VersionRef, batch: SeriesBatch, future: asyncio.Future[ForecastArrays]
    ) -> None:
        key = key_of(version, batch)
        peak = self._peak.get(key, 1)
        pending = self._pending.get(key)
        if pending is not None and pending.series + batch.size > self.max_series:
            self._seal(key)  # full: it goes as it is, this request starts the next one
            pending = None
        if pending is None:
            pending = self._pending[key] = Pending(key, version)
            delay = self.max_delay if peak > 1 else 0.0
            pending.timer = asyncio.get_running_loop().call_later(delay, self._make_due, key)
        pending.requests.append((batch, future))
        pending.series += batch.size
        if pending.series >= self.max_series:
            self._seal(key)
        elif len(pending.requests) >= peak > 1:
            pending.due = True  # as many callers as the recent passes served: no one else to wait for
        self._dispatch()

    def _abandon_pass_of(self, future: asyncio.Future[ForecastArrays]) -> None:
        """Cancel the running pass ``future`` is part of once none of its callers waits for it.
        (A request still queued is left out when its batch is sent, by ``_dispatch``.)"""
        for task, requests in self._in_flight.items():
            if any(waiting is future for _, waiting in requests):
                if all(waiting.done() for _, waiting in requests):
                    task.cancel()
                return

    def _make_due(self, key: Key) -> None:
        pending = self._pending.get(key)
        if pending is not None:
            pending.due = True
            self._dispatch()

    def _seal(self, key: Key) -> None:
        pending = self._pending.pop(key)
        if pending.timer is not None:
            pending.timer.cancel()
        self._sealed.append(pending)

    def _next(self) -> Pending | None:
        """The oldest full batch, else the oldest batch whose delay is over (while a pass runs,
        only one of at least ``overlap_min_series``)."""
        if self._sealed:
            return self._sealed.pop(0)
        least = 1 if self._running == 0 else self.overlap_min_series
        for key, pending in self._pending.items():
            if pending.due and pending.series >= least:
                self._seal(key)
                return self._sealed.pop()
        return None

    def _dispatch(self) -> None:
        while self._running < self.max_concurrent and (pending := self._next()) is not None:
            # A caller whose deadline passed, or who hung up, while its request waited: its
            # series are not worth a pass.
            requests = [(batch, future) for batch, future in pending.requests if not future.done()]
            if not requests:
                continue
            if len(self._peak) >= COMPANY_KEYS:
                self._peak.clear()
            served = len(requests)
            self._peak[pending.key] = (
                1 if served == 1 else max(served, self._peak.get(pending.key, 1) * 3 // 4)
            )
            self._run(pending.version, requests)

    def _run(self, version: VersionRef, requests: list[Request]) -> None:
        """Start one backend call for the batches of ``requests``; each one's slice of the
        result goes to its future (unless its caller has given up on it)."""
        self._running += 1
        task = asyncio.get_running_loop().create_task(self._call(version, [batch for batch, _ in requests]))
        self._in_flight[task] = requests

        def release() -> None:
            self._running -= 1
            self._dispatch()  # a pass is free: send what gathered meanwhile

        def split(done: asyncio.Task[tuple[ForecastArrays, float]]) -> None:
            del self._in_flight[done]
            error = None if done.cancelled() else done.exception()
            failed = done.cancelled() or error is not None
            held = 0.0 if failed else done.result()[1]
            hold = hold_after(held, len(requests), self.max_delay, self._loop_load.busy, self.hold_busy)
            if hold > 0:
                # The pass ran on the busy event loop, which took no request meanwhile: keep its
                # place a while (no longer than a batch waits for company), so that the next pass
                # takes what arrives in that time, as it would have gathered during a pass in a
                # thread, instead of the few requests that got in between two passes.
                asyncio.get_running_loop().call_later(hold, release)
            else:
                release()
            if isinstance(error, DATA_ERRORS) and len(requests) > 1:
                # Each request alone (log values must be positive, say), first: they have waited.
                self._sealed[0:0] = [
                    Pending(key_of(version, batch), version, [(batch, future)], batch.size, due=True)
                    for batch, future in requests
                ]
                self._dispatch()
                return
            if failed:
                for _, future in requests:
                    if not future.done():
                        if error is None:
                            future.cancel()
                        else:
                            future.set_exception(error)
                return
            result = done.result()[0]
            start = 0
            for batch, future in requests:
                end = start + batch.size
                if not future.done():
                    future.set_result(ForecastArrays(result.point[start:end], result.quantiles[start:end]))
                start = end

        task.add_done_callback(split)

    async def _call(self, version: VersionRef, batches: list[SeriesBatch]) -> tuple[ForecastArrays, float]:
        """The pass's forecasts, and how long it held the event loop: its duration when the loop
        had no turn during it (the backend ran it inline), else 0."""
        merged = batches[0] if len(batches) == 1 else concatenate(batches)
        turned: list[bool] = []
        turn = asyncio.get_running_loop().call_soon(turned.append, True)
        started = time.perf_counter()
        # A child of the span of the call that opened the batch (the task copies its context).
        attributes: dict[str, str | int] = {
            "quantis.version_id": version.version_id,
            "quantis.batch.series": merged.size,
            "quantis.batch.requests": len(batches),
            "quantis.horizon": merged.horizon,
        }
        self._last_pass[version.version_id] = time.monotonic()
        with self._tracer.start_as_current_span("backend.forecast", attributes=attributes):
            result = await self.backend.forecast(version, merged)
        self._last_pass[version.version_id] = time.monotonic()
        elapsed = time.perf_counter() - started
        turn.cancel()
        self.stats.batches += 1
        self.stats.series += merged.size
        self.stats.largest = max(self.stats.largest, merged.size)
        if self._on_batch is not None:
            self._on_batch(merged.size, elapsed)
        return result, 0.0 if turned else elapsed
