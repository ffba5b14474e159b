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


class _Answers(load._Tally):
    """A tally that also counts the answers that come after its window."""

    def __init__(self, start: float, stop: float) -> None:
        super().__init__(start, stop)
        self.answered = 0

    def done(self, sent: float, finished: float, *, timed: bool = True) -> None:
        super().done(sent, finished, timed=timed)
        self.answered += 1


def _finished_tasks_alive() -> int:
    """Tasks that are done but still referenced, once the collector has freed the rest."""
    gc.collect()
    # type(), not isinstance(): isinstance reads __class__, and some modules' objects
    # (torch's deprecated distributed.reduce_op) warn when it is read.
    return sum(type(o) is asyncio.Task and o.done() for o in gc.get_objects())


async def test_arrivals_keep_only_the_calls_not_yet_answered(target: str) -> None:
    """Finished calls are let go: kept, the collector's passes over them stalled the client.

    Each look, while calls are still being sent, counts the finished calls still alive against
    the answers so far, so the test does not depend on how fast this machine sends: kept, they
    would be as many as the answers. (Once sending stops, waiting for the last answers holds
    the calls then unanswered until all are in, which is bounded and not what is tested.)
    """
    work = Workload(target, METHOD, Kind.ARRIVALS, b"x", 1, seconds=3.0, warmup=0.0, rate=200.0)
    tally = _Answers(0.0, time.perf_counter() + work.seconds)
    looks: list[tuple[int, int]] = []  # (answers so far, finished calls alive)
    async with grpc.aio.insecure_channel(target) as channel:
        sending = asyncio.create_task(load._arrivals(channel, work, tally))
        while not sending.done():
            await asyncio.sleep(0.1)
            for _ in range(3):  # let the done callbacks of calls that just finished run
                await asyncio.sleep(0)
            if time.perf_counter() < tally.stop:
                looks.append((tally.answered, _finished_tasks_alive()))
        await sending
    assert tally.errors == 0
    assert tally.answered >= 300  # about 600 were sent, and every one is answered by the end
    late = [alive for answered, alive in looks if answered >= 30]
    assert late, f"no look after the first 30 answers: {looks}"
    # Kept, every such look would see 30 finished calls or more. Let go, a look sees few, though
    # one right after a burst of answers may still see the burst's tasks.
    assert min(late) < 20, looks


async def test_closed_loop_callers_wait_for_their_answers(target: str) -> None:
    work = Workload(target, METHOD, Kind.UNARY, b"x", 1, concurrency=2, seconds=1.0, warmup=0.1)
    measured = await asyncio.to_thread(load.run, work)
    assert measured.errors == 0
    assert measured.requests <= 2 / ANSWER_SECONDS * 1.0 + 2  # each caller at most 20 a second
