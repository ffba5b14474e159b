"""UploadDataset: real files become datasets; bad files are refused by row and column, leaving nothing."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from quantis.v1 import common_pb2, dataset_service_pb2_grpc
from quantis.v1 import dataset_service_pb2 as pb

from server.settings import Settings
from tests.server.dataset.conftest import (
    AIRPASSENGERS,
    CO2,
    SUNSPOTS,
    Metadata,
    csv_metadata,
    error_info,
    lines,
    store_files,
    upload,
    violations,
)
from tests.server.security_helpers import failure

Stub = dataset_service_pb2_grpc.DatasetServiceStub


@pytest.mark.parametrize(
    ("path", "rows", "frequency", "first", "last"),
    [
        (AIRPASSENGERS, 144, common_pb2.FREQUENCY_MONTHLY, "1949-01-01", "1960-12-01"),
        (CO2, 2284, common_pb2.FREQUENCY_WEEKLY, "1958-03-29", "2001-12-29"),
        (SUNSPOTS, 309, common_pb2.FREQUENCY_YEARLY, "1700-01-01", "2008-01-01"),
    ],
)
async def test_real_csvs_are_stored_as_parquet_with_their_profile(
    datasets: Stub,
    analyst: Metadata,
    settings: Settings,
    path: Path,
    rows: int,
    frequency: int,
    first: str,
    last: str,
) -> None:
    content = await asyncio.to_thread(path.read_bytes)
    response = await upload(datasets, content, analyst, csv_metadata("demo", labels={"team": "finance"}))
    dataset = response.dataset
    assert dataset.row_count == rows and dataset.series_count == 1
    assert dataset.min_series_length == dataset.max_series_length == rows
    assert dataset.frequency == frequency and dataset.missing_values == 0
    assert dataset.start_time.ToDatetime().date().isoformat() == first
    assert dataset.end_time.ToDatetime().date().isoformat() == last
    assert dataset.format == pb.DATASET_FORMAT_CSV and dict(dataset.labels) == {"team": "finance"}
    assert [(c.name, c.role, c.dtype) for c in dataset.columns] == [
        ("series_id", pb.COLUMN_ROLE_SERIES_ID, "string"),
        ("timestamp", pb.COLUMN_ROLE_TIMESTAMP, "timestamp[us, tz=UTC]"),
        ("value", pb.COLUMN_ROLE_VALUE, "double"),
    ]
    assert store_files(settings) == [f"datasets/{dataset.dataset_id}.parquet"]
    table = pq.read_table(settings.object_store_dir / "datasets" / f"{dataset.dataset_id}.parquet")
    assert table.num_rows == rows and dataset.size_bytes > 0
    fetched = await datasets.GetDataset(pb.GetDatasetRequest(dataset_id=dataset.dataset_id), metadata=analyst)
    assert fetched.dataset == dataset


async def test_a_panel_with_covariates_and_gaps_is_profiled_and_stored_in_order(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    content = lines(
        ("store", "day", "sales", "temp", "promo", "region", "ignored"),
        ("b", "2024-01-01", 5, 1.5, 0, "north", "x"),
        ("a", "2024-01-01T00:00:00Z", 10, 2.5, 1, "south", "x"),
        ("b", "2024-01-02", "", 1.0, 0, "north", "x"),
        ("a", "2024-01-02", 11, "NaN", 0, "south", "x"),
        ("a", "2024-01-04", 13, 3.0, 0, "south", "x"),
    )
    metadata = csv_metadata(
        "panel",
        timestamp_column="day",
        value_columns=["sales"],
        series_id_column="store",
        covariate_columns=["temp"],
        known_future_columns=["promo"],
        static_columns=["region"],
    )
    dataset = (await upload(datasets, content, analyst, metadata, chunk_size=7)).dataset
    assert (dataset.row_count, dataset.series_count) == (5, 2)
    assert (dataset.min_series_length, dataset.max_series_length) == (2, 3)
    assert dataset.frequency == common_pb2.FREQUENCY_DAILY and dataset.missing_values == 2
    assert [c.name for c in dataset.columns] == ["store", "day", "sales", "temp", "promo", "region"]
    preview = await datasets.PreviewDataset(
        pb.PreviewDatasetRequest(dataset_id=dataset.dataset_id), metadata=analyst
    )
    assert [list(r.cells) for r in preview.rows] == [
        ["a", "2024-01-01T00:00:00Z", "10", "2.5", "1", "south"],
        ["a", "2024-01-02T00:00:00Z", "11", "", "0", "south"],
        ["a", "2024-01-04T00:00:00Z", "13", "3", "0", "south"],
        ["b", "2024-01-01T00:00:00Z", "5", "1.5", "0", "north"],
        ["b", "2024-01-02T00:00:00Z", "", "1", "0", "north"],
    ]
    assert preview.total_rows == 5 and list(preview.column_names)[:2] == ["store", "day"]


async def test_parquet_uploads_are_read_natively(datasets: Stub, analyst: Metadata) -> None:
    table = pa.table(
        {
            "ts": pa.array(
                [pa.scalar(x, pa.timestamp("s")).as_py() for x in (0, 3600, 7200)], pa.timestamp("s")
            ),
            "load": pa.array([1, 2, None], pa.int64()),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    metadata = pb.DatasetMetadata(
        name="load", format=pb.DATASET_FORMAT_PARQUET, timestamp_column="ts", value_columns=["load"]
    )
    dataset = (await upload(datasets, buffer.getvalue(), analyst, metadata)).dataset
    assert dataset.frequency == common_pb2.FREQUENCY_HOURLY
    assert (dataset.row_count, dataset.series_count, dataset.missing_values) == (3, 1, 1)
    assert dataset.format == pb.DATASET_FORMAT_PARQUET


HEADER = ("series_id", "timestamp", "value")
BAD_FILES = {
    "not a number": (
        lines(HEADER, ("s", "2024-01-01", 1), ("s", "2024-01-02", "abc")),
        "file.rows[2].value",
        "'abc' is not a number",
    ),
    "bad timestamp": (
        lines(HEADER, ("s", "2024-01-01", 1), ("s", "2024-13-45", 2)),
        "file.rows[2].timestamp",
        "is not an RFC 3339 timestamp",
    ),
    "duplicate pair": (
        lines(HEADER, ("s", "2024-01-01", 1), ("t", "2024-01-01", 1), ("s", "2024-01-01", 2)),
        "file.rows[3].timestamp",
        "already at row 1",
    ),
    "out of order": (
        lines(HEADER, ("s", "2024-01-02", 1), ("s", "2024-01-01", 2), ("s", "2024-01-03", 2)),
        "file.rows[2].timestamp",
        "earlier than the row before it",
    ),
    "irregular spacing": (
        lines(HEADER, ("s", "2024-01-01", 1), ("s", "2024-01-03", 2), ("s", "2024-01-06", 3)),
        "file.rows[2].timestamp",
        "no regular hourly, daily",
    ),
    "off the grid": (
        lines(HEADER, *[("s", f"2024-01-0{d}", d) for d in range(1, 6)], ("s", "2024-01-06T12:00:00Z", 6)),
        "file.rows[6].timestamp",
        "not a daily period start",
    ),
    "missing series id": (
        lines(HEADER, ("s", "2024-01-01", 1), ("", "2024-01-02", 2)),
        "file.rows[2].series_id",
        "series id is missing",
    ),
    "infinite value": (
        lines(HEADER, ("s", "2024-01-01", "inf"), ("s", "2024-01-02", 2)),
        "file.rows[1].value",
        "not finite",
    ),
    "ragged row": (lines(HEADER, ("s", "2024-01-01", 1, 9)), "file.rows[1]", "row 1 (line 2) has 4 fields"),
    "no rows": (lines(HEADER), "file", "no data rows"),
    "missing column": (
        lines(("series_id", "ts", "value"), ("s", "2024-01-01", 1)),
        "metadata.timestamp_column",
        "not in the file",
    ),
    "not utf-8": (b"series_id,timestamp,value\ns,2024-01-01,\xff\xfe\n", "file", "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_a_bad_file_is_refused_naming_row_and_column_and_leaves_nothing(
    datasets: Stub, analyst: Metadata, settings: Settings, case: str
) -> None:
    content, field, words = BAD_FILES[case]
    error = await failure(upload(datasets, content, analyst))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(error).reason == "DATASET_INVALID"
    found = violations(error)
    assert field in found and words in found[field], found
    if field.startswith("file.rows["):
        row = field.removeprefix("file.rows[").split("]")[0]
        assert error_info(error).metadata["row"] == row
    assert store_files(settings) == []
    listed = await datasets.ListDatasets(pb.ListDatasetsRequest(), metadata=analyst)
    assert listed.total_size == 0


async def test_a_static_column_that_varies_within_a_series_is_refused(
    datasets: Stub, analyst: Metadata
) -> None:
    content = lines(
        ("series_id", "timestamp", "value", "region"),
        ("s", "2024-01-01", 1, "north"),
        ("s", "2024-01-02", 2, "south"),
    )
    error = await failure(upload(datasets, content, analyst, csv_metadata(static_columns=["region"])))
    assert "file.rows[2].region" in violations(error)


async def test_a_declared_frequency_the_data_does_not_follow_is_refused(
    datasets: Stub, analyst: Metadata
) -> None:
    weekly = AIRPASSENGERS.read_bytes()
    error = await failure(
        upload(datasets, weekly, analyst, csv_metadata(frequency=common_pb2.FREQUENCY_WEEKLY))
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "file.rows[2].timestamp" in violations(error) or "metadata.frequency" in violations(error)


async def test_an_enum_number_this_server_does_not_know_is_refused(datasets: Stub, analyst: Metadata) -> None:
    # Taken for "unspecified", frequency 99 was inferred, and a list filtered on it filtered nothing.
    content = AIRPASSENGERS.read_bytes()
    error = await failure(upload(datasets, content, analyst, csv_metadata(frequency=99)))  # type: ignore[arg-type]
    assert (error.code(), list(violations(error))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        ["metadata.frequency"],
    )
    for request, field in (
        (pb.ListDatasetsRequest(format=99), "format"),  # type: ignore[arg-type]
        (pb.ListDatasetsRequest(frequency=99), "frequency"),  # type: ignore[arg-type]
    ):
        error = await failure(datasets.ListDatasets(request, metadata=analyst))
        assert (error.code(), list(violations(error))) == (grpc.StatusCode.INVALID_ARGUMENT, [field])


async def test_metadata_text_with_a_nul_is_refused_by_name(datasets: Stub, analyst: Metadata) -> None:
    # PostgreSQL stores no NUL: checked with the rest of the metadata, on every database.
    bad = csv_metadata("air\x00", labels={"team": "x\x00"})
    error = await failure(upload(datasets, AIRPASSENGERS.read_bytes(), analyst, bad))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and error_info(error).reason == "METADATA_INVALID"
    assert {"metadata.name", "metadata.labels['team']"} == set(violations(error))


async def test_metadata_is_checked_before_any_bytes(datasets: Stub, analyst: Metadata) -> None:
    bad = pb.DatasetMetadata(name="", timestamp_column="t", value_columns=["t"], labels={"Bad Key": "x"})
    error = await failure(upload(datasets, b"t\n1\n", analyst, bad))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and error_info(error).reason == "METADATA_INVALID"
    assert {
        "metadata.name",
        "metadata.format",
        "metadata.value_columns[0]",
        "metadata.labels['Bad Key']",
    } <= set(violations(error))


async def test_the_stream_must_start_with_metadata_and_carry_it_once(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    async def chunk_first() -> AsyncIterator[pb.UploadDatasetRequest]:
        yield pb.UploadDatasetRequest(chunk=b"a,b\n")

    async def metadata_twice() -> AsyncIterator[pb.UploadDatasetRequest]:
        yield pb.UploadDatasetRequest(metadata=csv_metadata())
        yield pb.UploadDatasetRequest(chunk=AIRPASSENGERS.read_bytes())
        yield pb.UploadDatasetRequest(metadata=csv_metadata())

    for stream in (chunk_first(), metadata_twice()):
        error = await failure(datasets.UploadDataset(stream, metadata=analyst))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "metadata" in violations(error)
    assert store_files(settings) == []
