"""StartUpload / UploadChunk / GetUpload / CompleteUpload: offsets, retries, digests, completion."""

from __future__ import annotations

import hashlib

import grpc
from google.rpc import error_details_pb2
from quantis.v1 import common_pb2, dataset_service_pb2_grpc
from quantis.v1 import dataset_service_pb2 as pb

from server.settings import Settings
from tests.server.dataset.conftest import (
    AIRPASSENGERS,
    Metadata,
    csv_metadata,
    error_info,
    lines,
    store_files,
    violations,
)
from tests.server.security_helpers import detail, failure

Stub = dataset_service_pb2_grpc.DatasetServiceStub
CONTENT = AIRPASSENGERS.read_bytes()


async def start(stub: Stub, caller: Metadata, content: bytes = CONTENT, sha256: str = "") -> pb.UploadSession:
    response = await stub.StartUpload(
        pb.StartUploadRequest(metadata=csv_metadata("air"), total_size=len(content), sha256=sha256),
        metadata=caller,
    )
    return response.upload_session


async def send(stub: Stub, caller: Metadata, upload_id: str, offset: int, data: bytes) -> int:
    response = await stub.UploadChunk(
        pb.UploadChunkRequest(upload_id=upload_id, offset=offset, data=data), metadata=caller
    )
    return response.committed_size


async def test_a_file_sent_in_chunks_with_retries_becomes_a_dataset(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    session = await start(datasets, analyst, sha256=hashlib.sha256(CONTENT).hexdigest())
    assert session.committed_size == 0 and session.total_size == len(CONTENT)
    assert session.max_chunk_size == 4 << 20 and session.metadata.name == "air" and not session.dataset_id
    upload_id = session.upload_id
    assert await send(datasets, analyst, upload_id, 0, CONTENT[:1000]) == 1000
    # A resent chunk (lost response) is accepted again without effect.
    assert await send(datasets, analyst, upload_id, 0, CONTENT[:1000]) == 1000
    assert await send(datasets, analyst, upload_id, 500, CONTENT[500:1000]) == 1000

    # A gap or an overlap past the committed size fails with the committed size in the details.
    for offset, size in ((1500, 100), (900, 200)):
        error = await failure(
            datasets.UploadChunk(
                pb.UploadChunkRequest(
                    upload_id=upload_id, offset=offset, data=CONTENT[offset : offset + size]
                ),
                metadata=analyst,
            )
        )
        assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
        info = error_info(error)
        assert (info.reason, info.domain, info.metadata["committed_size"]) == (
            "UPLOAD_OFFSET_MISMATCH",
            "quantis.v1",
            "1000",
        )
        violation = detail(error, error_details_pb2.PreconditionFailure).violations[0]
        assert (violation.type, violation.subject) == ("UPLOAD_OFFSET", "offset")

    # A client that lost its place reads the committed size and resumes from it.
    state = await datasets.GetUpload(pb.GetUploadRequest(upload_id=upload_id), metadata=analyst)
    assert state.upload_session.committed_size == 1000
    assert state.upload_session.expire_time.ToDatetime() > session.create_time.ToDatetime()

    # Completing early is refused the same way.
    error = await failure(
        datasets.CompleteUpload(pb.CompleteUploadRequest(upload_id=upload_id), metadata=analyst)
    )
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).metadata["committed_size"] == "1000"

    assert await send(datasets, analyst, upload_id, 1000, CONTENT[1000:]) == len(CONTENT)
    error = await failure(
        datasets.UploadChunk(
            pb.UploadChunkRequest(upload_id=upload_id, offset=len(CONTENT), data=b"x"), metadata=analyst
        )
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "data" in violations(error)

    completed = await datasets.CompleteUpload(pb.CompleteUploadRequest(upload_id=upload_id), metadata=analyst)
    dataset = completed.dataset
    assert dataset.row_count == 144 and dataset.frequency == common_pb2.FREQUENCY_MONTHLY
    # A retried CompleteUpload returns the same dataset, and makes no second one.
    again = await datasets.CompleteUpload(pb.CompleteUploadRequest(upload_id=upload_id), metadata=analyst)
    assert again.dataset == dataset
    state = await datasets.GetUpload(pb.GetUploadRequest(upload_id=upload_id), metadata=analyst)
    assert state.upload_session.dataset_id == dataset.dataset_id
    listed = await datasets.ListDatasets(pb.ListDatasetsRequest(), metadata=analyst)
    assert [d.dataset_id for d in listed.datasets] == [dataset.dataset_id]
    assert store_files(settings) == [f"datasets/{dataset.dataset_id}.parquet"]
    # Once that dataset is deleted, a retry says so instead of naming a field it never sent.
    await datasets.DeleteDataset(pb.DeleteDatasetRequest(dataset_id=dataset.dataset_id), metadata=analyst)
    gone = await failure(
        datasets.CompleteUpload(pb.CompleteUploadRequest(upload_id=upload_id), metadata=analyst)
    )
    assert (gone.code(), error_info(gone).reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "UPLOAD_DATASET_DELETED",
    )


async def test_a_digest_mismatch_deletes_the_session_and_its_bytes(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    session = await start(datasets, analyst, sha256="0" * 64)
    await send(datasets, analyst, session.upload_id, 0, CONTENT)
    request = pb.CompleteUploadRequest(upload_id=session.upload_id)
    error = await failure(datasets.CompleteUpload(request, metadata=analyst))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "sha256" in violations(error)
    assert error_info(error).reason == "UPLOAD_DIGEST_MISMATCH"
    assert store_files(settings) == []
    error = await failure(
        datasets.GetUpload(pb.GetUploadRequest(upload_id=session.upload_id), metadata=analyst)
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND


async def test_a_file_that_fails_validation_deletes_the_session(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    content = lines(("series_id", "timestamp", "value"), ("s", "2024-01-01", 1), ("s", "2024-01-01", 2))
    session = await start(datasets, analyst, content)
    await send(datasets, analyst, session.upload_id, 0, content)
    error = await failure(
        datasets.CompleteUpload(pb.CompleteUploadRequest(upload_id=session.upload_id), metadata=analyst)
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "file.rows[2].timestamp" in violations(error)
    assert store_files(settings) == []
    error = await failure(
        datasets.GetUpload(pb.GetUploadRequest(upload_id=session.upload_id), metadata=analyst)
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND


async def test_start_checks_metadata_size_and_digest(datasets: Stub, analyst: Metadata) -> None:
    cases = {
        "total_size": pb.StartUploadRequest(metadata=csv_metadata(), total_size=0),
        "sha256": pb.StartUploadRequest(metadata=csv_metadata(), total_size=10, sha256="ABC"),
        "metadata.format": pb.StartUploadRequest(metadata=csv_metadata(format=0), total_size=10),
    }
    for field, request in cases.items():
        error = await failure(datasets.StartUpload(request, metadata=analyst))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and field in violations(error), field


async def test_another_users_session_is_not_found(
    datasets: Stub, analyst: Metadata, other_analyst: Metadata
) -> None:
    session = await start(datasets, analyst)
    calls = [
        datasets.GetUpload(pb.GetUploadRequest(upload_id=session.upload_id), metadata=other_analyst),
        datasets.UploadChunk(
            pb.UploadChunkRequest(upload_id=session.upload_id, offset=0, data=b"x"), metadata=other_analyst
        ),
        datasets.CompleteUpload(
            pb.CompleteUploadRequest(upload_id=session.upload_id), metadata=other_analyst
        ),
    ]
    for call in calls:
        assert (await failure(call)).code() is grpc.StatusCode.NOT_FOUND
