"""``forecast_many``: many series over one StreamPredict stream, with bounded memory.

Backpressure: at most ``max_in_flight`` messages are outstanding at once, where
outstanding means sent and not yet handed to the caller. The server answers in
completion order, so answers that overtake an earlier request wait (in
``InOrder``) and still count against the bound; a slow consumer therefore slows
the sender instead of growing a buffer. Results come out in input order, each
carrying its series id.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import grpc

from quantis import errors
from quantis.forecasting import InOrder, SeriesForecast, SeriesLike, Target, batches, pack, unpack


def forecast_many(
    stub: Any,
    items: Iterable[SeriesLike],
    target: Target,
    series_per_message: int,
    max_in_flight: int,
    deadline: float | None,
) -> Iterator[SeriesForecast]:
    permits = threading.Semaphore(max_in_flight)
    stop = threading.Event()
    failures: list[BaseException] = []

    def requests() -> Iterator[Any]:
        # Runs on grpc's request thread; waiting here is what holds the sender back. A failing
        # input ends the stream cleanly (what was sent is answered) and is raised to the caller.
        try:
            for index, batch in enumerate(batches(items, series_per_message)):
                while not permits.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                yield pack(batch, str(index), target)
        except Exception as error:
            failures.append(error)

    call = stub.StreamPredict(requests(), timeout=deadline)
    order = InOrder()
    try:
        for response in call:
            for ready in order.add(response):
                yield from unpack(ready)
                permits.release()
    finally:
        stop.set()
        call.cancel()
    if failures:
        raise failures[0]
    if order.missing():
        raise errors.Internal("the stream ended before every request was answered")


async def aforecast_many(
    stub: Any,
    items: Iterable[SeriesLike],
    target: Target,
    series_per_message: int,
    max_in_flight: int,
    deadline: float | None,
) -> AsyncIterator[SeriesForecast]:
    permits = asyncio.Semaphore(max_in_flight)
    call = stub.StreamPredict(timeout=deadline)

    async def write() -> None:
        try:
            for index, batch in enumerate(batches(items, series_per_message)):
                await permits.acquire()
                await call.write(pack(batch, str(index), target))
            await call.done_writing()
        except BaseException:
            call.cancel()
            raise

    writer = asyncio.create_task(write())
    order = InOrder()
    try:
        while (response := await call.read()) is not grpc.aio.EOF:
            for ready in order.add(response):
                for forecast in unpack(ready):
                    yield forecast
                permits.release()
        await writer
    except (grpc.aio.AioRpcError, asyncio.CancelledError) as error:
        # A failing writer cancels the call; its own error is the one to raise.
        failure = writer.exception() if writer.done() and not writer.cancelled() else None
        if failure is not None:
            raise failure from None
        if isinstance(error, asyncio.CancelledError):
            raise
        raise errors.from_call(error) from None
    finally:
        writer.cancel()
        call.cancel()
    if order.missing():
        raise errors.Internal("the stream ended before every request was answered")
