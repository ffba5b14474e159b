"""The client side of the serving benchmark, run in a process of its own.

Every system is called with already serialized request bytes over a generic gRPC method
(no stubs, no (de)serialization in the timed loop), so the client costs the same for
each system and the server side is what differs. ``run`` is the entry point the
benchmark submits to a spawned process; it returns a :class:`Measured`.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from enum import StrEnum

import grpc
import numpy as np

Metadata = tuple[tuple[str, str], ...]

CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 256 << 20),
    ("grpc.max_send_message_length", 256 << 20),
]


class Kind(StrEnum):
    UNARY = "unary"
    ARRIVALS = "arrivals"
    BIDI = "bidi"
    SERVER_STREAM = "server-stream"


@dataclass(frozen=True)
class Workload:
    """``concurrency`` callers send ``payload`` to ``method`` for ``seconds`` after ``warmup``.

    UNARY: each caller waits for its answer before the next request.
    ARRIVALS: unary requests sent at random (Poisson) times, ``rate`` per second on average,
    whether or not earlier ones were answered: callers arriving independently.
    BIDI: each caller holds one stream with ``in_flight`` messages outstanding.
    SERVER_STREAM: each caller makes one call and reads it to the end (``seconds`` unused).
    The callers share ``channels`` connections, in turn (several serving processes on one
    port each take whole connections).
    """

    target: str
    method: str
    kind: Kind
    payload: bytes
    series_per_request: int
    concurrency: int = 1
    seconds: float = 5.0
    warmup: float = 1.0
    in_flight: int = 1
    metadata: Metadata = ()
    timeout: float = 60.0
    rate: float = 0.0
    channels: int = 1


@dataclass(frozen=True)
class Measured:
    requests: int
    series: int
    seconds: float
    errors: int
    first_error: str
    latencies_ms: tuple[float, ...]

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def series_per_second(self) -> float:
        return self.series / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float | None:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else None


class _Tally:
    """Completions inside the measured window [start, stop)."""

    def __init__(self, start: float, stop: float) -> None:
        self.start, self.stop = start, stop
        self.requests = 0
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""

    def done(self, sent: float, finished: float, *, timed: bool = True) -> None:
        if self.start <= sent and finished < self.stop:
            self.requests += 1
            if timed:
                self.latencies.append((finished - sent) * 1000)

    def failed(self, error: grpc.aio.AioRpcError) -> None:
        self.errors += 1
        if not self.first_error:
            self.first_error = f"{error.code().name}: {error.details()}"


def _identity(data: bytes) -> bytes:
    return data


async def _unary(channel: grpc.aio.Channel, work: Workload, tally: _Tally) -> None:
    call = channel.unary_unary(work.method, request_serializer=_identity, response_deserializer=_identity)
    while (sent := time.perf_counter()) < tally.stop:
        try:
            await call(work.payload, metadata=work.metadata, timeout=work.timeout)
        except grpc.aio.AioRpcError as error:
            tally.failed(error)
            await asyncio.sleep(0.01)
            continue
        tally.done(sent, time.perf_counter())


async def _arrivals(channel: grpc.aio.Channel, work: Workload, tally: _Tally) -> None:
    call = channel.unary_unary(work.method, request_serializer=_identity, response_deserializer=_identity)
    gaps = random.Random(0)  # the same arrival times for every system

    async def one(sent: float) -> None:
        try:
            await call(work.payload, metadata=work.metadata, timeout=work.timeout)
        except grpc.aio.AioRpcError as error:
            tally.failed(error)
            return
        tally.done(sent, time.perf_counter())

    # Only the calls not yet answered are kept: a list of every call made kept thousands of
    # finished tasks alive, and the collector's full passes over them stalled this process for
    # a quarter of a second at a time, which the latencies then counted as the server's.
    pending: set[asyncio.Task[None]] = set()
    due = time.perf_counter()
    while (due := due + gaps.expovariate(work.rate)) < tally.stop:
        await asyncio.sleep(due - time.perf_counter())
        call_task = asyncio.create_task(one(due))
        pending.add(call_task)
        call_task.add_done_callback(pending.discard)
    while pending:
        await asyncio.wait(pending)


async def _bidi(channel: grpc.aio.Channel, work: Workload, tally: _Tally) -> None:
    """One stream; latency is matched first-in first-out (every message is the same size)."""
    open_stream = channel.stream_stream(
        work.method, request_serializer=_identity, response_deserializer=_identity
    )
    call = open_stream(metadata=work.metadata, timeout=work.timeout + tally.stop - time.perf_counter())
    slots = asyncio.Semaphore(work.in_flight)
    sent_at: list[float] = []

    async def write() -> None:
        while time.perf_counter() < tally.stop:
            await slots.acquire()
            sent_at.append(time.perf_counter())
            await call.write(work.payload)
        await call.done_writing()

    writer = asyncio.create_task(write())
    try:
        answered = 0
        while (message := await call.read()) is not grpc.aio.EOF:
            assert isinstance(message, bytes)
            tally.done(sent_at[answered], time.perf_counter())
            answered += 1
            slots.release()
        await writer
    except grpc.aio.AioRpcError as error:
        tally.failed(error)
        writer.cancel()


async def _server_stream(channel: grpc.aio.Channel, work: Workload, tally: _Tally) -> None:
    call = channel.unary_stream(work.method, request_serializer=_identity, response_deserializer=_identity)
    sent = time.perf_counter()
    try:
        async for _ in call(work.payload, metadata=work.metadata, timeout=work.timeout):
            pass
    except grpc.aio.AioRpcError as error:
        tally.failed(error)
        return
    tally.done(sent, time.perf_counter(), timed=False)  # one call: its rate is the figure


async def _measure(work: Workload) -> Measured:
    caller = {
        Kind.UNARY: _unary,
        Kind.ARRIVALS: _arrivals,
        Kind.BIDI: _bidi,
        Kind.SERVER_STREAM: _server_stream,
    }[work.kind]
    # A subchannel pool per channel: otherwise channels to one target share one connection.
    options = [*CHANNEL_OPTIONS, ("grpc.use_local_subchannel_pool", int(work.channels > 1))]
    channels = [grpc.aio.insecure_channel(work.target, options=options) for _ in range(work.channels)]
    try:
        await asyncio.wait_for(asyncio.gather(*(c.channel_ready() for c in channels)), timeout=30)
        began = time.perf_counter()
        if work.kind is Kind.SERVER_STREAM:
            tally = _Tally(began, float("inf"))
        else:
            tally = _Tally(began + work.warmup, began + work.warmup + work.seconds)
        await asyncio.gather(
            *(caller(channels[i % len(channels)], work, tally) for i in range(work.concurrency))
        )
        ended = time.perf_counter()
    finally:
        await asyncio.gather(*(c.close() for c in channels))
    seconds = ended - began if work.kind is Kind.SERVER_STREAM else work.seconds
    return Measured(
        requests=tally.requests,
        series=tally.requests * work.series_per_request,
        seconds=seconds,
        errors=tally.errors,
        first_error=tally.first_error,
        latencies_ms=tuple(tally.latencies),
    )


def run(work: Workload) -> Measured:
    """Entry point in the client process."""
    return asyncio.run(_measure(work))
