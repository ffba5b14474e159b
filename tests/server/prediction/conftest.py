"""Prediction tests: a tiny LSTM trained once per session, stored as versions of a caller's model.

The behaviour tests run on both inference backends (``backend_settings``); the TorchServe
runs share one TorchServe per session, and each test's registrations are removed after it.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import grpc
import pandas as pd
import pytest
from google.protobuf import timestamp_pb2
from quantis.v1 import prediction_service_pb2 as pb
from quantis.v1 import prediction_service_pb2_grpc

from model_store.torchserve import TorchServeProcess, http_call
from server.auth.permissions import Role
from server.composition import Application
from server.db.enums import Frequency, ModelType, ModelVersionState
from server.db.models import Deployment, Model, ModelVersion
from server.settings import Settings
from tests.conftest import start_torchserve
from tests.server.auth_helpers import user_token
from tests.server.conftest import make_settings
from tests.server.model.datasets import AIRPASSENGERS, store_dataset, user_id
from training import Panel, create_forecaster, load_artifact, save_artifact

HORIZON = 12
T = TypeVar("T")
METRICS = {"mae": 20.0, "mase": 0.5, "rmse": 25.0, "smape": 5.0, "coverage_80": 0.8, "points": 12}


@dataclass
class Caller:
    metadata: tuple[tuple[str, str], ...]
    user_id: str


@dataclass
class Deployed:
    model_id: str
    versions: list[str]


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    """Two tiny LSTMs on AirPassengers (different seeds), trained in a second or two."""
    panel = Panel.from_long(pd.read_csv(AIRPASSENGERS), "monthly")
    root = tmp_path_factory.mktemp("artifacts")
    paths = []
    for seed in (1, 2):
        model = create_forecaster(
            "LSTM",
            {"hidden_size": 8, "ensemble_size": 1, "max_epochs": 2, "batch_size": 32, "seed": seed},
        )
        model.fit(panel, HORIZON)
        paths.append(save_artifact(model, root / f"v{seed}", panel, {"validation": METRICS}))
    yield paths


def stamp(value: datetime) -> timestamp_pb2.Timestamp:
    """``value`` as a protobuf Timestamp."""
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(value)
    return message


@pytest.fixture
def ets_artifact(tmp_path: Path) -> list[Path]:
    """An AutoETS on AirPassengers (fitted per request: saving it takes no time)."""
    panel = Panel.from_long(pd.read_csv(AIRPASSENGERS), "monthly")
    model = create_forecaster("AUTO_ETS")
    model.fit(panel, 12)
    return [save_artifact(model, tmp_path / "ets", panel, {"validation": METRICS})]


@pytest.fixture(scope="session")
def torchserve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TorchServeProcess]:
    """One TorchServe for every test of the session that asks for one."""
    process = TorchServeProcess(tmp_path_factory.mktemp("torchserve"))
    start_torchserve(process)
    try:
        yield process
    finally:
        process.stop()


def unregister_all(process: TorchServeProcess) -> None:
    """Remove every model (and its worker processes) a test registered."""
    status, body = http_call(f"{process.management_url}/models?limit=1000")
    assert status == 200, body
    for entry in json.loads(body)["models"]:
        http_call(f"{process.management_url}/models/{entry['modelName']}", "DELETE")


def torchserve_settings(data_dir: Path, process: TorchServeProcess, **overrides: object) -> Settings:
    return make_settings(
        data_dir,
        inference_backend="torchserve",
        torchserve_management_url=process.management_url,
        torchserve_grpc_target=process.grpc_target,
        torchserve_model_store=process.model_store,
        **overrides,
    )


@pytest.fixture
def fleet_settings(tmp_path: Path, torchserve: TorchServeProcess) -> Iterator[Settings]:
    """A server on the session's TorchServe, a 20 s call timeout; its registrations cleared after."""
    try:
        yield torchserve_settings(tmp_path, torchserve, torchserve_timeout_seconds=20)
    finally:
        unregister_all(torchserve)


@pytest.fixture(params=["in-process", pytest.param("torchserve", marks=pytest.mark.torchserve)])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Once on the in-process backend and once on the shared TorchServe."""
    if request.param == "in-process":
        yield make_settings(tmp_path)
        return
    process: TorchServeProcess = request.getfixturevalue("torchserve")
    try:
        yield torchserve_settings(tmp_path, process)
    finally:
        unregister_all(process)


@pytest.fixture
def predictions(channel: grpc.aio.Channel) -> prediction_service_pb2_grpc.PredictionServiceStub:
    return prediction_service_pb2_grpc.PredictionServiceStub(channel)


async def caller(application: Application, username: str = "ana", role: Role = Role.ANALYST) -> Caller:
    token = await user_token(application, username, role)
    return Caller((("authorization", f"Bearer {token}"),), await user_id(application, username))


async def deploy_model(
    application: Application,
    owner_id: str,
    artifacts: list[Path],
    split: dict[int, int] | None = None,
    default: int | None = 0,
    model_type: ModelType = ModelType.LSTM,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
) -> Deployed:
    """A model of ``owner_id`` with one READY version per artifact; ``split`` maps version index to
    percent (default: all traffic to ``default``)."""
    dataset_id = await store_dataset(application, owner_id)
    store = application.settings.object_store_dir

    def insert(session: object) -> Deployed:
        model = Model(
            owner_id=owner_id,
            name="airline",
            model_type=model_type,
            dataset_id=dataset_id,
            target_column="value",
            horizon=HORIZON,
            frequency=Frequency.MONTHLY,
            quantiles=list(quantiles),
        )
        session.add(model)  # type: ignore[attr-defined]
        session.flush()  # type: ignore[attr-defined]
        ids = []
        for number, source in enumerate(artifacts, start=1):
            version = ModelVersion(model_id=model.id, number=number, metrics=METRICS, artifact_path="")
            session.add(version)  # type: ignore[attr-defined]
            session.flush()  # type: ignore[attr-defined]
            relative = f"models/{model.id}/versions/{version.id}/artifact"
            shutil.copytree(source, store / relative)
            version.artifact_path = relative
            version.state = ModelVersionState.READY
            ids.append(version.id)
        shares = split if split is not None else ({default: 100} if default is not None else {})
        for index, percent in shares.items():
            session.add(Deployment(model_id=model.id, version_id=ids[index], percent=percent))  # type: ignore[attr-defined]
        if default is not None:
            model.default_version_id = ids[default]
        return Deployed(model.id, ids)

    return await application.db.run(insert)  # type: ignore[no-any-return]


def direct(
    artifact: Path, values: list[float], horizon: int, quantiles: tuple[float, ...]
) -> tuple[object, object]:
    import numpy as np

    model = load_artifact(artifact)
    return model.predict_packed(
        np.asarray(values, dtype=np.float32), np.array([len(values)], dtype=np.int32), horizon, quantiles
    )


def air_values() -> list[float]:
    return [float(v) for v in pd.read_csv(AIRPASSENGERS)["value"]]


def held(ping: str) -> int:
    """How many versions a backend's ping says it holds."""
    found = re.search(r"(\d+) versions? (?:loaded|registered)", ping)
    assert found, ping
    return int(found.group(1))


async def loaded(application: Application, versions: int, within: float = 30.0) -> str:
    """The backend's ping once it reports ``versions`` loaded (or after ``within`` seconds): the
    announcement of a deployment reaches the runtime through the event bus."""
    assert application.prediction is not None
    deadline = time.monotonic() + within
    while True:
        await application.prediction.warmed()
        answer = await application.prediction.backend.ping()
        if held(answer) == versions or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.05)


async def until_answered(call: Callable[[], Awaitable[T]], within: float) -> T:
    """Retry a call failing UNAVAILABLE until it answers or ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def packed(request_id: str, model_id: str, series: list[list[float]]) -> pb.StreamPredictRequest:
    """A StreamPredictRequest of ``series`` for 6 steps."""
    return pb.StreamPredictRequest(
        request_id=request_id,
        model_id=model_id,
        horizon=6,
        lengths=[len(s) for s in series],
        values=[v for s in series for v in s],
    )
