"""The routing cache: requests that find a model's entry expired share one load of it, and an
entry close to expiring is refreshed behind the requests that find it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.db.enums import ModelType
from server.domain.prediction.routing import Route, VersionRouter
from server.jobs.store import ModelStore


def _route(model_id: str, owner: str = "owner") -> Route:
    return Route(
        model_id=model_id,
        owner_id=owner,
        model_type=ModelType.LSTM,
        horizon=12,
        quantiles=(0.1, 0.5, 0.9),
        frequency=None,
        versions={},
        split=(),
        default_version_id=None,
    )


class GatedDatabase:
    """Stands in for server.db.Database: each load waits for ``gate`` and answers ``answer()``,
    or raises what ``fail`` holds."""

    def __init__(self) -> None:
        self.loads = 0
        self.gate = asyncio.Event()
        self.owner = "owner"
        self.fail: Exception | None = None

    async def run(self, fn: Callable[[Any], Any]) -> Route:
        self.loads += 1
        owner = self.owner  # what the database holds when the load reads it
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return _route("m", owner)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db() -> GatedDatabase:
    return GatedDatabase()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def router(db: GatedDatabase, clock: Clock, tmp_path: Path) -> VersionRouter:
    return VersionRouter(db, ModelStore(tmp_path), ttl=1.0, clock=clock)


async def _waiting(router: VersionRouter, n: int, **kw: Any) -> list[asyncio.Task[Route | None]]:
    """``n`` requests for the route of "m", run until they wait (on a load, when none is cached)."""
    tasks = [asyncio.create_task(router.route("m", **kw)) for _ in range(n)]
    for _ in range(3):  # the requests, then the load they started
        await asyncio.sleep(0)
    return tasks


async def test_concurrent_requests_share_one_load_and_its_answer(
    router: VersionRouter, db: GatedDatabase, clock: Clock
) -> None:
    tasks = await _waiting(router, 64)
    assert db.loads == 1
    db.gate.set()
    routes = await asyncio.gather(*tasks)
    assert all(route is routes[0] for route in routes) and routes[0] is not None

    clock.now = 0.5  # cached
    assert await router.route("m") is routes[0]
    assert db.loads == 1
    clock.now = 1.5  # expired: the 64 requests that find it so load it once more, together
    db.gate.clear()
    tasks = await _waiting(router, 64)
    db.gate.set()
    await asyncio.gather(*tasks)
    assert db.loads == 2


async def _settle() -> None:
    for _ in range(3):  # a load that may go ahead, and its done callback
        await asyncio.sleep(0)


async def test_an_entry_close_to_expiring_is_refreshed_behind_its_callers(
    router: VersionRouter, db: GatedDatabase, clock: Clock
) -> None:
    db.gate.set()
    first = await router.route("m")  # loaded at 0: cached until 1.0
    assert first is not None and db.loads == 1
    clock.now = 0.7
    assert await router.route("m") is first
    await _settle()
    assert db.loads == 1  # not yet in the last quarter
    clock.now = 0.8
    db.gate.clear()
    db.owner = "new owner"

    answers = [await router.route("m") for _ in range(64)]  # none of them waits for the load
    await _settle()

    assert all(answer is first for answer in answers)
    assert db.loads == 2  # one refresh for all of them, waiting on the database
    assert await router.route("m") is first  # still answered from the entry meanwhile
    db.gate.set()
    await _settle()
    refreshed = await router.route("m")
    assert refreshed is not None and refreshed.owner_id == "new owner"
    clock.now = 1.5  # the refresh started at 0.8: cached until 1.8, and no refresh before 1.55
    assert await router.route("m") is refreshed
    await _settle()
    assert db.loads == 2


async def test_a_failed_refresh_leaves_the_entry_until_it_expires(
    router: VersionRouter, db: GatedDatabase, clock: Clock
) -> None:
    db.gate.set()
    first = await router.route("m")
    clock.now = 0.9
    db.fail = ConnectionError("database down")

    assert await router.route("m") is first  # its refresh fails
    await _settle()
    assert await router.route("m") is first  # and the next caller's refresh too
    await _settle()
    assert db.loads == 3

    clock.now = 1.1  # expired: the caller waits for a load, and sees its error
    with pytest.raises(ConnectionError):
        await router.route("m")
    db.fail = None
    route = await router.route("m")
    assert route is not None and route is not first and db.loads == 5


async def test_a_caller_giving_up_does_not_cancel_the_others_load(
    router: VersionRouter, db: GatedDatabase
) -> None:
    first, second = await _waiting(router, 2)
    first.cancel()
    db.gate.set()
    route = await second
    assert route is not None and route.model_id == "m"
    assert first.cancelled()
    assert await router.route("m") is route  # and its answer was cached
    assert db.loads == 1


async def test_a_failed_load_fails_its_waiters_and_is_not_cached(
    router: VersionRouter, db: GatedDatabase
) -> None:
    db.fail = ConnectionError("database down")
    tasks = await _waiting(router, 3)
    db.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    db.fail = None
    assert (await router.route("m")) is not None
    assert db.loads == 2


async def test_a_load_under_way_when_invalidated_is_not_cached(
    router: VersionRouter, db: GatedDatabase
) -> None:
    stale = await _waiting(router, 1)
    db.owner = "new owner"  # changed in the database after that load read it...
    router.invalidate("m")  # ...and the change invalidates the cache
    fresh = await _waiting(router, 1)
    assert db.loads == 2  # the request after the invalidation did not join the stale load
    db.gate.set()
    old, new = await stale[0], await fresh[0]
    assert old is not None and old.owner_id == "owner"
    assert new is not None and new.owner_id == "new owner"
    assert (await router.route("m")) is new


async def test_a_fresh_route_does_not_join_a_load_under_way(router: VersionRouter, db: GatedDatabase) -> None:
    cached = await _waiting(router, 1)
    fresh = await _waiting(router, 1, fresh=True)
    assert db.loads == 2
    db.gate.set()
    await asyncio.gather(*cached, *fresh)
