"""A version no deployment serves (pinned by its callers, or loaded again by a request routed just
before a redeploy) is unloaded once it has had no pass for QUANTIS_PREDICTION_IDLE_UNLOAD_SECONDS;
a deployed version stays however idle, and on a TorchServe fleet, which other servers may be
calling, only a deployment's change unloads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.prediction.conftest import air_values, caller, deploy_model, held, loaded

IDLE = 0.5


@pytest.fixture
def settings(backend_settings: Settings) -> Settings:
    return backend_settings.model_copy(update={"prediction_idle_unload_seconds": IDLE})


async def test_an_idle_version_that_no_deployment_serves_is_unloaded_and_loads_again(
    channel: grpc.aio.Channel, application: Application, artifacts: list[Path]
) -> None:
    assert application.prediction is not None
    backend = application.prediction.backend
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:2])  # the first version deployed
    deployed, pinned = model.versions
    predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    series = common_pb2.Series(values=air_values())

    async def predict(version_id: str = "") -> str:
        request = pb.PredictRequest(model_id=model.model_id, version_id=version_id, series=series)
        return (await predictions.Predict(request, metadata=ana.metadata, timeout=60)).version_id

    assert await predict() == deployed
    assert await predict(pinned) == pinned
    assert held(await backend.ping()) == 2

    if backend.shared:  # a fleet: idle here may be busy on another server
        await asyncio.sleep(4 * IDLE)
        assert held(await backend.ping()) == 2
        return
    assert held(await loaded(application, 1, within=10 * IDLE)) == 1  # the deployed one stays
    await asyncio.sleep(2 * IDLE)
    assert held(await backend.ping()) == 1
    assert await predict(pinned) == pinned  # loaded again by its next request
    assert held(await backend.ping()) == 2
