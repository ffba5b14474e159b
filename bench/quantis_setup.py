"""What the serving benchmark asks of a running Quantis before measuring it, over the public API:
a token, the demo model once its first version is deployed, and a stored dataset for BatchPredict.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    common_pb2,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    model_service_pb2,
    model_service_pb2_grpc,
)

from bench.payloads import F32

DEMO_MODEL = "demo-airpassengers-lstm"


@dataclass(frozen=True)
class DemoVersion:
    model_id: str
    version_id: str
    artifact_uri: str
    mar_uri: str


def login(target: str, username: str, password: str) -> tuple[tuple[str, str], ...]:
    """Bearer metadata for ``username`` (access tokens live 15 minutes: log in per phase)."""
    with grpc.insecure_channel(target) as channel:
        answer = auth_service_pb2_grpc.AuthServiceStub(channel).Login(  # type: ignore[no-untyped-call]
            auth_service_pb2.LoginRequest(username=username, password=password), timeout=30
        )
    return (("authorization", f"Bearer {answer.tokens.access_token}"),)


def wait_for_demo(target: str, metadata: tuple[tuple[str, str], ...], timeout: float) -> DemoVersion:
    """The demo model's deployed version, once the training the server queued at start is done."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(target) as channel:
        models = model_service_pb2_grpc.ModelServiceStub(channel)  # type: ignore[no-untyped-call]
        while time.monotonic() < deadline:
            found = models.ListModels(
                model_service_pb2.ListModelsRequest(name_contains=DEMO_MODEL), metadata=metadata, timeout=30
            ).models
            if found and found[0].default_version_id:
                version = models.GetModelVersion(
                    model_service_pb2.GetModelVersionRequest(version_id=found[0].default_version_id),
                    metadata=metadata,
                    timeout=30,
                ).version
                return DemoVersion(
                    found[0].model_id, version.version_id, version.artifact_uri, version.mar_uri
                )
            time.sleep(1)
    raise RuntimeError(f"the demo model was not deployed within {timeout:.0f} s")


def _csv(values: F32) -> bytes:
    n, length = values.shape
    months = pd.date_range("1990-01-01", periods=length, freq="MS").strftime("%Y-%m-%d")
    frame = pd.DataFrame(
        {
            "series_id": np.repeat([f"s{i:06d}" for i in range(n)], length),
            "timestamp": np.tile(months, n),
            "value": values.reshape(-1),
        }
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def upload_dataset(target: str, metadata: tuple[tuple[str, str], ...], values: F32) -> str:
    """Store ``values`` (n series, monthly) as a dataset with UploadDataset; its id."""
    body = _csv(values)

    def requests() -> Iterator[dataset_service_pb2.UploadDatasetRequest]:
        yield dataset_service_pb2.UploadDatasetRequest(
            metadata=dataset_service_pb2.DatasetMetadata(
                name=f"bench-{values.shape[0]}-series",
                format=dataset_service_pb2.DATASET_FORMAT_CSV,
                timestamp_column="timestamp",
                value_columns=["value"],
                series_id_column="series_id",
                frequency=common_pb2.FREQUENCY_MONTHLY,
            )
        )
        for start in range(0, len(body), 1 << 20):
            yield dataset_service_pb2.UploadDatasetRequest(chunk=body[start : start + (1 << 20)])

    with grpc.insecure_channel(target) as channel:
        stub = dataset_service_pb2_grpc.DatasetServiceStub(channel)  # type: ignore[no-untyped-call]
        answer = stub.UploadDataset(requests(), metadata=metadata, timeout=600)
    return str(answer.dataset.dataset_id)
