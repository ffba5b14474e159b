"""The server's own TorchServe: started on first use, down means UNAVAILABLE, back means answers."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import grpc
import numpy as np
import pytest
from quantis.v1 import (
    common_pb2,
    monitoring_service_pb2,
    monitoring_service_pb2_grpc,
    prediction_service_pb2_grpc,
)
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.conftest import require_java
from tests.server.conftest import make_settings
from tests.server.model.conftest import failure
from tests.server.prediction.conftest import air_values, caller, deploy_model, until_answered

pytestmark = pytest.mark.torchserve

Stub = prediction_service_pb2_grpc.PredictionServiceStub
Component = monitoring_service_pb2.ComponentHealth


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No fleet named: the server starts its own TorchServe under the data directory."""
    require_java()
    return make_settings(tmp_path, inference_backend="torchserve", torchserve_timeout_seconds=20)


async def backend_health(channel: grpc.aio.Channel, metadata: object) -> Component:
    monitoring = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
    health = await monitoring.GetSystemHealth(
        monitoring_service_pb2.GetSystemHealthRequest(),
        metadata=metadata,  # type: ignore[arg-type]
    )
    (component,) = (c for c in health.components if c.name == "inference backend")
    assert component.kind == monitoring_service_pb2.COMPONENT_KIND_INFERENCE_BACKEND
    return component


async def test_predict_while_torchserve_is_down_is_unavailable_and_answers_once_it_is_back(
    predictions: Stub, channel: grpc.aio.Channel, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts[:1])
    request = pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=air_values()))
    process = application.prediction.backend.process  # type: ignore[union-attr]
    # Another process holds the port chosen for the management API when TorchServe first starts:
    # it starts on fresh ports, and the backend follows them.
    taken = process.ports.management
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        first = await predictions.Predict(request, metadata=ana.metadata, timeout=120)
    assert process.ports.management != taken

    assert process.home == (application.settings.data_dir / "torchserve").resolve() and process.ping()
    up = await backend_health(channel, ana.metadata)
    assert up.status == monitoring_service_pb2.HEALTH_STATUS_SERVING and "TorchServe" in up.message

    await asyncio.to_thread(process.stop)
    down = await failure(predictions.Predict(request, metadata=ana.metadata, timeout=30))
    assert down.code == grpc.StatusCode.UNAVAILABLE and down.reason == "INFERENCE_BACKEND_UNAVAILABLE"
    health = await backend_health(channel, ana.metadata)
    assert health.status == monitoring_service_pb2.HEALTH_STATUS_NOT_SERVING

    # Same ports, no registrations: the backend reconnects and registers the version again.
    await asyncio.to_thread(process.start)
    again = await until_answered(
        lambda: predictions.Predict(request, metadata=ana.metadata, timeout=30), within=60
    )
    assert again.version_id == first.version_id
    np.testing.assert_allclose(
        [p.mean for p in again.forecast.points], [p.mean for p in first.forecast.points], rtol=1e-6
    )

    await application.prediction.backend.close()  # type: ignore[union-attr]
    assert not process.ping() and process.pid is None  # the server stops the TorchServe it started
