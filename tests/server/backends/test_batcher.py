"""The in-process backend and the dynamic batcher, on a real trained LSTM."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
import torch

from server.backends.base import ForecastArrays, SeriesBatch, VersionRef
from server.backends.batcher import COMPANY_KEYS, DynamicBatcher
from server.backends.inline_hold import LoopLoad
from server.backends.inprocess import InProcessBackend
from training import InvalidRequestError, Panel, create_forecaster, save_artifact
from training.datasets import load_demo
from training.errors import InvalidDataError

QUANTILES = (0.1, 0.5, 0.9)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> VersionRef:
    torch.set_num_threads(1)
    air = Panel.from_long(load_demo("airpassengers"))
    model = create_forecaster(
        "LSTM", {"hidden_size": 8, "max_epochs": 3, "ensemble_size": 1, "refit_full": False}
    )
    model.fit(air, 12)
    directory: Path = save_artifact(model, tmp_path_factory.mktemp("lstm"), panel=air, metrics={})
    return VersionRef("v-1", directory)


@pytest.fixture(scope="module")
def history() -> np.ndarray:
    return load_demo("airpassengers")["value"].to_numpy(np.float32)


@pytest.fixture
async def backend() -> AsyncIterator[InProcessBackend]:
    engine = InProcessBackend(torch_threads=1, workers=1, inline_max_seconds=0.5)
    yield engine
    await engine.close()


def one(history: np.ndarray, cut: int) -> SeriesBatch:
    values = history[:cut]
    return SeriesBatch(values, np.array([values.size], np.int32), 12, QUANTILES)


def on_the_loop(
    backend: InProcessBackend, version: VersionRef, monkeypatch: pytest.MonkeyPatch
) -> list[bool]:
    """For each pass of ``version`` from now on, whether it ran on the calling (event loop) thread."""
    model = backend._models[version.version_id]
    predict, loop, ran = model.predict_packed, threading.get_ident(), []

    def spied(*args: object) -> tuple[np.ndarray, np.ndarray]:
        ran.append(threading.get_ident() == loop)
        return predict(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "predict_packed", spied)
    return ran


@contextlib.asynccontextmanager
async def inline_up_to(seconds: float, artifact: VersionRef) -> AsyncIterator[InProcessBackend]:
    """An in-process backend that runs passes of at most ``seconds`` inline, ``artifact`` loaded."""
    backend = InProcessBackend(torch_threads=1, workers=1, inline_max_seconds=seconds)
    try:
        await backend.load(artifact)
        yield backend
    finally:
        await backend.close()


async def test_passes_run_inline_once_known_to_be_short(
    artifact: VersionRef, history: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with inline_up_to(0.5, artifact) as backend:
        inline = on_the_loop(backend, artifact, monkeypatch)
        three = SeriesBatch(np.tile(history[:100], 3), np.full(3, 100, np.int32), 12, QUANTILES)
        for batch in (one(history, 100), one(history, 101), three, three):
            await backend.forecast(artifact, batch)
        # The first pass of each size class runs in the pool; once its cost is known, inline.
        assert inline == [False, True, False, True]
        cost = backend.costs.expected(artifact.version_id, 3)
        assert cost is not None and 0 < cost < 0.5

        backend.costs.observe(artifact.version_id, 3, 10.0)  # passes of three turned out slow
        await backend.forecast(artifact, three)
        assert inline[-1] is False

        await backend.unload(artifact.version_id)
        assert backend.costs.expected(artifact.version_id, 1) is None


async def test_no_pass_runs_inline_at_a_limit_of_zero(
    artifact: VersionRef, history: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with inline_up_to(0.0, artifact) as backend:
        inline = on_the_loop(backend, artifact, monkeypatch)
        for cut in (100, 101, 102):
            await backend.forecast(artifact, one(history, cut))
        assert inline == [False, False, False]
        assert backend.costs.expected(artifact.version_id, 1) is not None


async def test_batched_forecasts_equal_one_by_one(
    backend: InProcessBackend, artifact: VersionRef, history: np.ndarray
) -> None:
    await backend.load(artifact)
    requests = [one(history, cut) for cut in range(100, 140, 4)]
    alone = [await backend.forecast(artifact, r) for r in requests]
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.05)
    together = await asyncio.gather(*(batcher.forecast(artifact, r) for r in requests))
    assert batcher.stats.batches == 1 and batcher.stats.series == len(requests)
    for single, batched in zip(alone, together, strict=True):
        np.testing.assert_allclose(batched.point, single.point, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(batched.quantiles, single.quantiles, rtol=1e-5, atol=1e-4)
        assert batched.point.shape == (1, 12) and batched.quantiles.shape == (1, 12, 3)


async def test_a_full_batch_goes_without_waiting(
    backend: InProcessBackend, artifact: VersionRef, history: np.ndarray
) -> None:
    batcher = DynamicBatcher(backend, max_series=4, max_delay=30.0)
    results = await asyncio.wait_for(
        asyncio.gather(*(batcher.forecast(artifact, one(history, 120 + i)) for i in range(4))), timeout=10
    )
    assert len(results) == 4 and batcher.stats.batches == 1


async def test_batches_are_capped_by_series_not_requests(
    backend: InProcessBackend, artifact: VersionRef, history: np.ndarray
) -> None:
    wide = SeriesBatch(
        np.concatenate([history[:120]] * 3), np.array([120, 120, 120], np.int32), 12, QUANTILES
    )
    batcher = DynamicBatcher(backend, max_series=6, max_delay=30.0)
    results = await asyncio.wait_for(
        asyncio.gather(batcher.forecast(artifact, wide), batcher.forecast(artifact, wide)), timeout=10
    )
    assert [r.point.shape[0] for r in results] == [3, 3] and batcher.stats.largest == 6


async def test_different_horizons_do_not_share_a_pass(
    backend: InProcessBackend, artifact: VersionRef, history: np.ndarray
) -> None:
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.01)
    short = SeriesBatch(history[:120], np.array([120], np.int32), 6, QUANTILES)
    results: list[ForecastArrays] = await asyncio.gather(
        batcher.forecast(artifact, one(history, 120)), batcher.forecast(artifact, short)
    )
    assert results[0].point.shape == (1, 12) and results[1].point.shape == (1, 6)
    assert batcher.stats.batches == 2


async def test_one_bad_request_does_not_fail_its_neighbours(
    backend: InProcessBackend, artifact: VersionRef, history: np.ndarray
) -> None:
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.02)
    bad = SeriesBatch(np.array([1.0, np.inf], np.float32), np.array([2], np.int32), 12, QUANTILES)
    good, failed = await asyncio.gather(
        batcher.forecast(artifact, one(history, 130)), batcher.forecast(artifact, bad), return_exceptions=True
    )
    assert isinstance(good, ForecastArrays)
    assert isinstance(failed, InvalidRequestError)


class PositiveOnlyBackend:
    """Refuses a pass holding a value of at most 0, as a model trained on log values does."""

    name = "positive-only"

    def __init__(self) -> None:
        self.passes: list[int] = []

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        self.passes.append(batch.size)
        if np.any(batch.values <= 0):
            raise InvalidDataError("values must be positive for a model trained on log values")
        n, h, q = batch.size, batch.horizon, len(batch.quantiles)
        return ForecastArrays(np.ones((n, h), np.float32), np.ones((n, h, q), np.float32))


async def test_a_check_only_the_model_makes_fails_only_the_request_it_is_about(
    artifact: VersionRef, history: np.ndarray
) -> None:
    backend = PositiveOnlyBackend()
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.02)  # type: ignore[arg-type]
    negative = SeriesBatch(-history[:24], np.array([24], np.int32), 12, QUANTILES)
    good, failed, also_good = await asyncio.gather(
        batcher.forecast(artifact, one(history, 130)),
        batcher.forecast(artifact, negative),
        batcher.forecast(artifact, one(history, 100)),
        return_exceptions=True,
    )
    assert isinstance(good, ForecastArrays) and isinstance(also_good, ForecastArrays)
    assert isinstance(failed, InvalidDataError)
    assert backend.passes == [3, 1, 1, 1]  # the shared pass, then each request alone


class SlowBackend:
    """Answers zeros after ``seconds``; records the size of every pass."""

    name = "slow"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.passes: list[int] = []
        self.cancelled: list[int] = []  # the sizes of passes cancelled while they ran

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        self.passes.append(batch.size)
        try:
            await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled.append(batch.size)
            raise
        n, h, q = batch.size, batch.horizon, len(batch.quantiles)
        return ForecastArrays(np.zeros((n, h), np.float32), np.zeros((n, h, q), np.float32))


async def test_requests_gather_while_a_pass_runs(artifact: VersionRef, history: np.ndarray) -> None:
    backend = SlowBackend(0.3)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.001, max_concurrent=1)  # type: ignore[arg-type]
    first = asyncio.create_task(batcher.forecast(artifact, one(history, 100)))
    await asyncio.sleep(0.05)  # the first pass is running
    later = []
    for i in range(10):  # each arrives well after the delay; none may get a pass of its own
        later.append(asyncio.create_task(batcher.forecast(artifact, one(history, 101 + i))))
        await asyncio.sleep(0.01)
    await asyncio.gather(first, *later)
    assert backend.passes == [1, 10]


async def test_requests_whose_callers_gave_up_while_queued_are_not_sent(
    artifact: VersionRef, history: np.ndarray
) -> None:
    backend = SlowBackend(0.3)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.001, max_concurrent=1)  # type: ignore[arg-type]

    async def abandoned(start: int) -> None:
        with pytest.raises(TimeoutError):  # a deadline passing while the request queues
            await asyncio.wait_for(batcher.forecast(artifact, one(history, start)), timeout=0.05)

    first = asyncio.create_task(batcher.forecast(artifact, one(history, 100)))
    await asyncio.sleep(0.05)  # the first pass is running; the next requests queue behind it
    kept = asyncio.create_task(batcher.forecast(artifact, one(history, 101)))
    await asyncio.gather(abandoned(102), abandoned(103))
    await asyncio.gather(first, kept)
    assert backend.passes == [1, 1]  # the abandoned two did not ride along
    first = asyncio.create_task(batcher.forecast(artifact, one(history, 104)))
    await asyncio.sleep(0.05)
    await asyncio.gather(abandoned(105), abandoned(106))
    await first
    await asyncio.sleep(0.05)
    assert backend.passes == [1, 1, 1]  # nobody waits for the queued batch: no pass at all


async def test_a_running_pass_is_cancelled_once_every_caller_has_given_up(
    artifact: VersionRef, history: np.ndarray
) -> None:
    backend = SlowBackend(5.0)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.02, max_concurrent=1)  # type: ignore[arg-type]
    # Three callers share a pass; one gives up, and the pass goes on for the other two.
    callers = [asyncio.create_task(batcher.forecast(artifact, one(history, 100 + i))) for i in range(3)]
    await asyncio.sleep(0.1)
    assert backend.passes == [3]
    callers[0].cancel()
    await asyncio.sleep(0.1)
    assert backend.cancelled == []
    # The other two's deadlines pass: the backend call ends now, not in 5 s, and the next caller
    # gets a pass at once.
    began = time.monotonic()
    for caller in callers[1:]:
        caller.cancel()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    await asyncio.sleep(0.05)
    assert backend.cancelled == [3]
    backend.seconds = 0.0
    await batcher.forecast(artifact, one(history, 110))
    assert time.monotonic() - began < 1.0 and backend.passes == [3, 1]


async def test_full_batches_wait_for_a_free_pass_in_order(artifact: VersionRef, history: np.ndarray) -> None:
    backend = SlowBackend(0.1)
    batcher = DynamicBatcher(backend, max_series=4, max_delay=0.05, max_concurrent=1)  # type: ignore[arg-type]
    results = await asyncio.wait_for(
        asyncio.gather(*(batcher.forecast(artifact, one(history, 100 + i)) for i in range(10))), timeout=10
    )
    assert len(results) == 10 and all(r.point.shape == (1, 12) for r in results)
    assert backend.passes == [4, 4, 2]  # never more than one pass at once, never more than 4 series


async def test_a_second_pass_starts_only_when_sizeable(artifact: VersionRef, history: np.ndarray) -> None:
    backend = SlowBackend(0.3)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.001, max_concurrent=2, overlap_min_series=3)  # type: ignore[arg-type]
    first = asyncio.create_task(batcher.forecast(artifact, one(history, 100)))
    await asyncio.sleep(0.05)
    small = [asyncio.create_task(batcher.forecast(artifact, one(history, 101 + i))) for i in range(2)]
    await asyncio.sleep(0.05)
    assert backend.passes == [1]  # two series are too few to run beside the first pass
    third = asyncio.create_task(batcher.forecast(artifact, one(history, 110)))
    await asyncio.sleep(0.05)
    assert backend.passes == [1, 3]  # three are enough: a second pass runs at once
    await asyncio.gather(first, third, *small)
    assert backend.passes == [1, 3]


async def one_by_one(
    batcher: DynamicBatcher, backend: SlowBackend, artifact: VersionRef, history: np.ndarray, n: int
) -> float:
    """Send ``n`` requests 0.1 s apart, check that no pass starts before the last has arrived,
    and return the seconds until all of them were answered."""
    before, started, tasks = list(backend.passes), time.perf_counter(), []
    for i in range(n):
        assert backend.passes == before  # still waiting for company
        tasks.append(asyncio.create_task(batcher.forecast(artifact, one(history, 110 + i))))
        await asyncio.sleep(0.1)
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


async def test_a_batch_waits_for_company_only_when_the_last_pass_had_some(
    artifact: VersionRef, history: np.ndarray
) -> None:
    backend = SlowBackend(0.0)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=1.0)  # type: ignore[arg-type]
    started = time.perf_counter()
    await batcher.forecast(artifact, one(history, 100))
    assert time.perf_counter() - started < 0.5  # a lone caller goes at once
    await asyncio.gather(*(batcher.forecast(artifact, one(history, 101 + i)) for i in range(3)))
    assert backend.passes == [1, 3]  # arrived together: one pass, without waiting

    # The last pass had company, so the next batch waits for requests arriving one by one, until
    # it holds as many as that pass served: nobody else is expected then, so it goes.
    seconds = await one_by_one(batcher, backend, artifact, history, 3)
    assert backend.passes == [1, 3, 3] and seconds < 0.9

    # Company that does not come costs one wait of max_delay; after a pass alone, a lone caller
    # goes at once.
    started = time.perf_counter()
    await batcher.forecast(artifact, one(history, 120))
    assert time.perf_counter() - started >= 0.9
    started = time.perf_counter()
    await batcher.forecast(artifact, one(history, 121))
    assert time.perf_counter() - started < 0.5
    assert backend.passes == [1, 3, 3, 1, 1]


async def test_the_callers_a_batch_waits_for_decay_with_smaller_passes(
    artifact: VersionRef, history: np.ndarray
) -> None:
    backend = SlowBackend(0.0)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=1.0)  # type: ignore[arg-type]
    await asyncio.gather(*(batcher.forecast(artifact, one(history, 100 + i)) for i in range(4)))
    # Two callers where there were four: the batch waits the whole delay for the other two.
    started = time.perf_counter()
    await asyncio.gather(*(batcher.forecast(artifact, one(history, 110 + i)) for i in range(2)))
    assert backend.passes == [4, 2] and time.perf_counter() - started >= 0.9
    # The peak falls to three of four, not to the two of the last pass: a batch goes at its third.
    seconds = await one_by_one(batcher, backend, artifact, history, 3)
    assert backend.passes == [4, 2, 3] and seconds < 0.9


async def test_what_is_remembered_of_past_passes_stays_bounded(
    artifact: VersionRef, history: np.ndarray
) -> None:
    backend = SlowBackend(0.0)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=1.0)  # type: ignore[arg-type]
    for i in range(COMPANY_KEYS + 10):  # callers choose the quantiles: every request its own key
        levels = (0.1, round(0.5 + i / 100_000, 6), 0.9)
        await batcher.forecast(artifact, SeriesBatch(history[:120], np.array([120], np.int32), 12, levels))
    assert len(backend.passes) == COMPANY_KEYS + 10
    assert len(batcher._peak) <= COMPANY_KEYS


class LoopBackend:
    """Passes of 50 ms that block the event loop, as inline passes do, or with ``in_thread``
    let it turn meanwhile, as passes in a thread do."""

    name = "loop"

    def __init__(self, in_thread: bool) -> None:
        self.in_thread = in_thread
        self.passes: list[int] = []

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        if self.in_thread:
            await asyncio.sleep(0.05)
        else:
            time.sleep(0.05)  # noqa: ASYNC251 - blocks the loop on purpose, as an inline pass does
        self.passes.append(batch.size)
        n, h, q = batch.size, batch.horizon, len(batch.quantiles)
        return ForecastArrays(np.zeros((n, h), np.float32), np.zeros((n, h, q), np.float32))


async def two_then_three_spaced(batcher: DynamicBatcher, history: np.ndarray) -> None:
    """Two requests together, then three 10 ms apart."""
    version = VersionRef("v-1", Path("unused"))
    await asyncio.gather(*(batcher.forecast(version, one(history, 100 + i)) for i in range(2)))
    calls = []
    for cut in (110, 111, 112):
        calls.append(asyncio.ensure_future(batcher.forecast(version, one(history, cut))))
        await asyncio.sleep(0.01)
    await asyncio.gather(*calls)


@pytest.mark.parametrize("in_thread", [False, True], ids=["on the loop", "in a thread"])
async def test_a_pass_on_a_busy_loop_keeps_its_place_a_while(history: np.ndarray, in_thread: bool) -> None:
    backend = LoopBackend(in_thread)
    # hold_busy 0: every load counts as busy (what the loop's load is worth is tested below).
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.1, hold_busy=0.0)  # type: ignore[arg-type]
    await two_then_three_spaced(batcher, history)
    # After two requests, a batch goes once it holds two. On the loop, the pass before it keeps
    # its place for a while (here the batcher's 100 ms delay), and all three requests share the
    # next pass; in a thread, the first two go at once and the third waits for them.
    assert backend.passes == ([2, 2, 1] if in_thread else [2, 3])


async def test_a_pass_on_an_idle_loop_does_not_hold_the_next(history: np.ndarray) -> None:
    # The passes sleep: the loop's thread spends no CPU, far under the default hold_busy.
    backend = LoopBackend(in_thread=False)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.1)  # type: ignore[arg-type]
    await two_then_three_spaced(batcher, history)
    assert backend.passes == [2, 2, 1]


def test_the_loop_load_is_the_thread_cpu_over_the_last_window() -> None:
    load = LoopLoad(window=0.05)
    assert load.busy() == 0.0  # nothing measured yet
    started = (time.perf_counter(), time.thread_time())
    spin_until = started[0] + 0.1
    while time.perf_counter() < spin_until:
        pass
    busy = load.busy()
    # What the thread got of a core while it spun (a shared CI core loses some to other processes).
    got = (time.thread_time() - started[1]) / (time.perf_counter() - started[0])
    # Relative to what it got: on a loaded machine the thread may get a sixth of a core.
    assert busy == pytest.approx(got, abs=0.1) and busy > got / 2
    time.sleep(0.1)
    assert load.busy() < 0.2
    # Within a window the last full window's figure stands.
    assert load.busy() < 0.2


async def test_a_lone_request_on_the_loop_does_not_hold_the_next(history: np.ndarray) -> None:
    backend = LoopBackend(in_thread=False)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.1, hold_busy=0.0)  # type: ignore[arg-type]
    version = VersionRef("v-1", Path("unused"))
    await batcher.forecast(version, one(history, 100))
    started = time.perf_counter()
    await batcher.forecast(version, one(history, 101))
    assert time.perf_counter() - started < 0.09  # the pass alone (50 ms); a hold would add 100 ms
    assert backend.passes == [1, 1]


async def test_no_hold_when_batches_do_not_wait(history: np.ndarray) -> None:
    backend = LoopBackend(in_thread=False)
    batcher = DynamicBatcher(backend, max_series=64, max_delay=0.0, hold_busy=0.0)  # type: ignore[arg-type]
    version = VersionRef("v-1", Path("unused"))
    await asyncio.gather(*(batcher.forecast(version, one(history, 100 + i)) for i in range(2)))
    first = asyncio.ensure_future(batcher.forecast(version, one(history, 110)))
    await asyncio.sleep(0.01)
    second = asyncio.ensure_future(batcher.forecast(version, one(history, 111)))
    await asyncio.gather(first, second)
    assert backend.passes == [2, 1, 1]
