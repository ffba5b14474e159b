"""Model tests: stubs and helpers; each test picks its backing through ``settings``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from quantis.v1 import common_pb2, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from tests.server.auth_helpers import user_token
from tests.server.model.datasets import store_dataset, user_id

# Small enough that a run takes a second or two.
TINY_LSTM = {
    "hidden_size": pb.HyperparameterValue(int_value=8),
    "ensemble_size": pb.HyperparameterValue(int_value=1),
    "max_epochs": pb.HyperparameterValue(int_value=3),
    "batch_size": pb.HyperparameterValue(int_value=32),
    "refit_full": pb.HyperparameterValue(bool_value=False),
}


@dataclass
class Analyst:
    metadata: tuple[tuple[str, str], ...]
    user_id: str
    dataset_id: str


@dataclass
class Failure:
    code: grpc.StatusCode
    reason: str = ""
    fields: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    message: str = ""


@pytest.fixture
def models(channel: grpc.aio.Channel) -> model_service_pb2_grpc.ModelServiceStub:
    return model_service_pb2_grpc.ModelServiceStub(channel)


async def analyst(application: Application, username: str = "ana") -> Analyst:
    token = await user_token(application, username, Role.ANALYST)
    owner = await user_id(application, username)
    return Analyst((("authorization", f"Bearer {token}"),), owner, await store_dataset(application, owner))


async def failure(call: object) -> Failure:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    status = rpc_status.from_call(raised.value)
    result = Failure(raised.value.code(), message=raised.value.details() or "")
    for detail in status.details if status else ():
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail.Unpack(info):
            result.reason, result.metadata = info.reason, dict(info.metadata)
        elif detail.Unpack(bad):
            result.fields = [v.field for v in bad.field_violations]
    return result


def lstm_request(dataset_id: str, **overrides: object) -> pb.CreateModelRequest:
    request = pb.CreateModelRequest(
        name="airline lstm",
        type=common_pb2.MODEL_TYPE_LSTM,
        dataset_id=dataset_id,
        horizon=12,
        quantiles=[0.1, 0.9],
        hyperparameters=TINY_LSTM,
    )
    for key, value in overrides.items():
        setattr(request, key, value)
    return request


async def watch(
    models: model_service_pb2_grpc.ModelServiceStub, job_id: str, metadata: object, limit: float = 120
) -> list[pb.TrainingProgress]:
    call = models.WatchTrainingJob(
        pb.WatchTrainingJobRequest(job_id=job_id), metadata=metadata, timeout=limit
    )
    return [message.progress async for message in call]


async def wait_for(
    models: model_service_pb2_grpc.ModelServiceStub,
    job_id: str,
    metadata: object,
    ready: object,
    limit: float = 60,
) -> pb.TrainingJob:
    """Poll GetTrainingJob until ``ready(job)`` holds."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        job = (await models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job_id), metadata=metadata)).job
        if ready(job):  # type: ignore[operator]
            return job
        assert asyncio.get_running_loop().time() < deadline, f"job never got there: {job}"
        await asyncio.sleep(0.2)
