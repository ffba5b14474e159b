"""The upload size limit holds while streaming, and for a resumable upload before any byte."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import dataset_service_pb2 as pb
from quantis.v1 import dataset_service_pb2_grpc

from server.composition import Application
from server.settings import Settings
from tests.server.dataset.conftest import (
    AIRPASSENGERS,
    CO2,
    Metadata,
    csv_metadata,
    error_info,
    store_files,
    upload,
    violations,
)
from tests.server.security_helpers import failure

Stub = dataset_service_pb2_grpc.DatasetServiceStub


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings.model_copy(update={"max_upload_bytes": 10_000})


async def test_an_upload_over_the_size_limit_stops_while_streaming(
    datasets: Stub, analyst: Metadata, settings: Settings, application: Application
) -> None:
    error = await failure(upload(datasets, CO2.read_bytes(), analyst, chunk_size=1024))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(error).reason == "UPLOAD_TOO_LARGE" and "chunk" in violations(error)
    assert store_files(settings) == []
    assert (await upload(datasets, AIRPASSENGERS.read_bytes(), analyst)).dataset.row_count == 144


async def test_a_resumable_upload_larger_than_the_limit_is_refused_at_start(
    datasets: Stub, analyst: Metadata
) -> None:
    error = await failure(
        datasets.StartUpload(
            pb.StartUploadRequest(metadata=csv_metadata(), total_size=10_001), metadata=analyst
        )
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(error).reason == "UPLOAD_TOO_LARGE" and "total_size" in violations(error)
