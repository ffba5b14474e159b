"""Deployed versions are loaded into the backend before their first request: on Deploy, after a
training job, and at start."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from quantis.v1 import model_service_pb2 as mpb
from quantis.v1 import model_service_pb2_grpc

from server.composition import Application
from server.jobs.publish import DEPLOYMENTS
from server.settings import Settings
from server.state.events import Event, MemoryEventBus
from tests.server.prediction.conftest import caller, deploy_model, held, loaded


@pytest.fixture
def settings(backend_settings: Settings) -> Settings:
    return backend_settings


async def test_deploy_loads_the_versions_it_sends_traffic_to(
    channel: object, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:2], default=None)
    before = await loaded(application, 0, within=0)
    assert held(before) == 0, before
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    await models.DeployModelVersion(
        mpb.DeployModelVersionRequest(
            model_id=model.model_id,
            splits=[
                mpb.TrafficSplit(version_id=model.versions[0], percent=70),
                mpb.TrafficSplit(version_id=model.versions[1], percent=30),
            ],
        ),
        metadata=ana.metadata,
    )
    after = await loaded(application, 2)
    assert held(after) == 2, after


async def test_start_loads_every_deployed_version(application: Application, artifacts: list[Path]) -> None:
    ana = await caller(application)
    await deploy_model(application, ana.user_id, artifacts[:2], default=1)  # one of two versions deployed
    assert application.prediction is not None
    await application.prediction.warm_deployed(application.db)
    answer = await loaded(application, 1)
    assert held(answer) == 1, answer


class FlakyBus(MemoryEventBus):
    """A bus whose first subscription fails, as Redis's does while it restarts."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Event]]:
        self.attempts += 1
        if self.attempts == 1:
            raise ConnectionError("the bus is restarting")
        async with super().subscribe(channel) as events:
            yield events


async def test_announcements_are_followed_again_after_the_bus_fails(application: Application) -> None:
    runtime = application.prediction
    assert runtime is not None
    warmed: list[str] = []
    runtime.warm = warmed.append  # type: ignore[method-assign]
    bus = FlakyBus()
    runtime.follow(bus)
    deadline = time.monotonic() + 10
    while not warmed and time.monotonic() < deadline:
        await bus.publish(DEPLOYMENTS, {"model_id": "m-1"})
        await asyncio.sleep(0.1)
    assert bus.attempts == 2 and warmed[:1] == ["m-1"]
