"""Dataset tests run over a real channel, on the embedded defaults and on PostgreSQL with Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from quantis.v1 import dataset_service_pb2 as pb
from quantis.v1 import dataset_service_pb2_grpc

from server.auth.permissions import Role
from server.composition import Application
from server.settings import Settings
from tests.server.auth_helpers import user_token
from tests.server.security_helpers import detail

# The real series the forecasting core ships (series_id, timestamp, value).
DEMO_DIR = Path(__file__).resolve().parents[3] / "training" / "datasets"
AIRPASSENGERS = DEMO_DIR / "demo_airpassengers_monthly.csv"
CO2 = DEMO_DIR / "demo_co2_weekly.csv"
SUNSPOTS = DEMO_DIR / "demo_sunspots_yearly.csv"

Metadata = tuple[tuple[str, str], ...]


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


@pytest.fixture
def datasets(channel: grpc.aio.Channel) -> dataset_service_pb2_grpc.DatasetServiceStub:
    return dataset_service_pb2_grpc.DatasetServiceStub(channel)


def bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture
async def analyst(application: Application) -> Metadata:
    return bearer(await user_token(application, "ana", Role.ANALYST))


@pytest.fixture
async def other_analyst(application: Application) -> Metadata:
    return bearer(await user_token(application, "otto", Role.ANALYST))


def csv_metadata(name: str = "demo", **overrides: object) -> pb.DatasetMetadata:
    fields: dict[str, object] = {
        "name": name,
        "format": pb.DATASET_FORMAT_CSV,
        "timestamp_column": "timestamp",
        "value_columns": ["value"],
        "series_id_column": "series_id",
        **overrides,
    }
    return pb.DatasetMetadata(**fields)  # type: ignore[arg-type]


async def _messages(
    metadata: pb.DatasetMetadata, content: bytes, chunk_size: int
) -> AsyncIterator[pb.UploadDatasetRequest]:
    yield pb.UploadDatasetRequest(metadata=metadata)
    for start in range(0, len(content), chunk_size):
        yield pb.UploadDatasetRequest(chunk=content[start : start + chunk_size])


def upload(
    stub: dataset_service_pb2_grpc.DatasetServiceStub,
    content: bytes,
    caller: Metadata,
    metadata: pb.DatasetMetadata | None = None,
    chunk_size: int = 4096,
) -> grpc.aio.StreamUnaryCall[pb.UploadDatasetRequest, pb.UploadDatasetResponse]:
    return stub.UploadDataset(_messages(metadata or csv_metadata(), content, chunk_size), metadata=caller)


async def stored(
    stub: dataset_service_pb2_grpc.DatasetServiceStub, path: Path, caller: Metadata
) -> pb.Dataset:
    content = await asyncio.to_thread(path.read_bytes)
    response = await upload(stub, content, caller, csv_metadata(path.stem))
    return response.dataset


def store_files(settings: Settings) -> list[str]:
    """Every file in the object store, relative to it."""
    root = settings.object_store_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def lines(*rows: Iterable[object]) -> bytes:
    return "".join(",".join(str(cell) for cell in row) + "\n" for row in rows).encode()


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """The BadRequest field violations of an error, field -> description."""
    found = detail(error, error_details_pb2.BadRequest)
    return {v.field: v.description for v in found.field_violations}


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    info: error_details_pb2.ErrorInfo = detail(error, error_details_pb2.ErrorInfo)
    return info
