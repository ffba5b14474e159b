"""The benchmark's load generator against a real gRPC server that takes 50 ms per answer."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from bench import load
from bench.load import Kind, Workload

METHOD = "/test.Slow/Call"
ANSWER_SECONDS = 0.05


async def _slow(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    await asyncio.sleep(ANSWER_SECONDS)
    return request


@pytest.fixture
async def target() -> AsyncIterator[str]:
    server = grpc.aio.server()
    handler: grpc.RpcMethodHandler[bytes, bytes] = grpc.unary_unary_rpc_method_handler(_slow)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Slow", {"Call": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def test_arrivals_come_at_their_rate_whether_or_not_answers_are_back(target: str) -> None:
    work = Workload(target, METHOD, Kind.ARRIVALS, b"x", 1, seconds=2.0, warmup=0.2, rate=100.0)
    measured = await asyncio.to_thread(load.run, work)
    # One caller waiting for each answer would manage 20 a second; 100 a second arrive.
    assert measured.errors == 0
    assert 130 <= measured.requests <= 270
    assert len(measured.latencies_ms) == measured.requests
    assert min(measured.latencies_ms) >= ANSWER_SECONDS * 1000


async def test_arrivals_keep_only_the_calls_not_yet_answered(target: str) -> None:
    """Finished calls are let go: kept, the collector's passes over them stalled the client."""
    work = Workload(target, METHOD, Kind.ARRIVALS, b"x", 1, seconds=1.5, warmup=0.0, rate=200.0)
    tally = load._Tally(0.0, time.perf_counter() + work.seconds)
    most = 0
    async with grpc.aio.insecure_channel(target) as channel:
        sending = asyncio.create_task(load._arrivals(channel, work, tally))
        while not sending.done():
            # type(), not isinstance(): isinstance reads __class__, and some modules' objects
            # (torch's deprecated distributed.reduce_op) warn when it is read.
            most = max(most, sum(type(o) is asyncio.Task for o in gc.get_objects()))
            await asyncio.sleep(0.1)
        await sending
    assert tally.requests >= 150  # about 300 were sent
    # About 10 are unanswered at a time (200/s x 50 ms); finished ones in reference cycles last
    # until the collector's next pass. Keeping every call made reaches about 300.
    assert most < 150


async def test_closed_loop_callers_wait_for_their_answers(target: str) -> None:
    work = Workload(target, METHOD, Kind.UNARY, b"x", 1, concurrency=2, seconds=1.0, warmup=0.1)
    measured = await asyncio.to_thread(load.run, work)
    assert measured.errors == 0
    assert measured.requests <= 2 / ANSWER_SECONDS * 1.0 + 2  # each caller at most 20 a second
