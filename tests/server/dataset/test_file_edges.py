"""UploadDataset at the edges of what a file may hold: values a model's float32 cannot hold, very
long cells, the timestamp range, series ids with spaces, and ragged rows named by row and line."""

from __future__ import annotations

import io

import grpc
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from quantis.v1 import common_pb2, dataset_service_pb2_grpc
from quantis.v1 import dataset_service_pb2 as pb

from server.settings import Settings
from tests.server.dataset.conftest import (
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
HEADER = ("series_id", "timestamp", "value")


def days(*values: object) -> bytes:
    return lines(HEADER, *[("s", f"2024-01-{day:02d}", v) for day, v in enumerate(values, start=1)])


async def refused(stub: Stub, caller: Metadata, content: bytes, **metadata: object) -> grpc.aio.AioRpcError:
    error = await failure(upload(stub, content, caller, csv_metadata(**metadata), chunk_size=1 << 20))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and error_info(error).reason == "DATASET_INVALID"
    return error


@pytest.mark.parametrize("cell", ["1e39", "-3.5e38", "1e308"])
async def test_a_value_beyond_float32_is_refused_by_row_and_column(
    datasets: Stub, analyst: Metadata, settings: Settings, cell: str
) -> None:
    # Stored, it failed every training job with "values must be finite"; Predict refuses it too.
    error = await refused(datasets, analyst, days(1, cell, 3))
    found = violations(error)
    assert "at most 3.4e38" in found["file.rows[2].value"], found
    assert dict(error_info(error).metadata) == {"row": "2", "column": "value"}
    assert store_files(settings) == []


async def test_a_covariate_or_parquet_value_beyond_float32_is_refused(
    datasets: Stub, analyst: Metadata
) -> None:
    content = lines(
        ("series_id", "timestamp", "value", "temp"), ("s", "2024-01-01", 1, 2), ("s", "2024-01-02", 2, 4e38)
    )
    error = await refused(datasets, analyst, content, covariate_columns=["temp"])
    assert "file.rows[2].temp" in violations(error)
    table = pa.table(
        {
            "timestamp": pa.array(np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")),
            "value": pa.array([1.0, 1e39]),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    parquet = pb.DatasetMetadata(
        name="p", format=pb.DATASET_FORMAT_PARQUET, timestamp_column="timestamp", value_columns=["value"]
    )
    error = await failure(upload(datasets, buffer.getvalue(), analyst, parquet))
    assert "file.rows[2].value" in violations(error)


async def test_values_up_to_float32_max_are_stored(datasets: Stub, analyst: Metadata) -> None:
    dataset = (await upload(datasets, days("3.4e38", "-3.4028234e38", "", 1), analyst)).dataset
    assert dataset.row_count == 4 and dataset.missing_values == 1


@pytest.mark.parametrize("size", [3_000_000, 5_000_000])
async def test_a_very_long_cell_in_a_column_not_stored_is_read(
    datasets: Stub, analyst: Metadata, size: int
) -> None:
    # pyarrow's 1 MiB blocks refused a row straddling two block boundaries as "not a CSV".
    rows = [("s", f"2020-01-{day:02d}", day, "x" * (size if day == 4 else 1)) for day in range(1, 31)]
    content = lines(("series_id", "timestamp", "value", "note"), *rows)
    dataset = (await upload(datasets, content, analyst, chunk_size=1 << 20)).dataset
    assert dataset.row_count == 30 and [c.name for c in dataset.columns] == list(HEADER)


async def test_a_long_cell_does_not_hide_a_ragged_row_after_it(datasets: Stub, analyst: Metadata) -> None:
    content = lines(
        ("series_id", "timestamp", "value", "note"),
        ("s", "2020-01-01", 1, "x" * 3_000_000),
        ("s", "2020-01-02", 2, "y"),
        ("s", "2020-01-03", 3, "z", "extra"),
    )
    error = await refused(datasets, analyst, content)
    assert "row 3 (line 4) has 5 fields" in violations(error)["file.rows[3]"]


@pytest.mark.parametrize(
    ("stamps", "frequency"),
    [
        (("2261-01-01", "2262-01-01"), common_pb2.FREQUENCY_YEARLY),
        (("2261-12-31", "2262-04-11"), common_pb2.FREQUENCY_DAILY),
        (("2261-12-31T23:00:00Z", "2261-12-31T22:00:00-02:00"), common_pb2.FREQUENCY_HOURLY),
        (("1678-01-01", "1677-12-31"), common_pb2.FREQUENCY_DAILY),
    ],
)
async def test_timestamps_outside_the_years_1678_to_2261_are_refused(
    datasets: Stub, analyst: Metadata, stamps: tuple[str, str], frequency: int
) -> None:
    # Up to 2262-04-11 used to be accepted while the docs and the message said 2261.
    content = lines(HEADER, ("s", stamps[0], 1), ("s", stamps[1], 2))
    error = await refused(datasets, analyst, content, frequency=frequency)
    found = violations(error)
    assert "years 1678 to 2261" in found["file.rows[2].timestamp"], found


async def test_the_first_and_last_moments_of_the_range_are_accepted(
    datasets: Stub, analyst: Metadata
) -> None:
    for stamps, frequency in (
        (("1678-01-01", "1678-01-02"), common_pb2.FREQUENCY_DAILY),
        (("2261-12-31T22:00:00Z", "2261-12-31T23:00:00Z"), common_pb2.FREQUENCY_HOURLY),
    ):
        content = lines(HEADER, ("s", stamps[0], 1), ("s", stamps[1], 2))
        assert (
            await upload(datasets, content, analyst, csv_metadata(frequency=frequency))
        ).dataset.row_count == 2


async def test_parquet_timestamps_in_2262_are_refused(datasets: Stub, analyst: Metadata) -> None:
    stamps = np.array(["2262-04-10", "2262-04-11"], dtype="datetime64[D]")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"timestamp": pa.array(stamps), "value": pa.array([1.0, 2.0])}), buffer)
    parquet = pb.DatasetMetadata(
        name="p", format=pb.DATASET_FORMAT_PARQUET, timestamp_column="timestamp", value_columns=["value"]
    )
    error = await failure(upload(datasets, buffer.getvalue(), analyst, parquet))
    assert "1678 to 2261" in violations(error)["metadata.timestamp_column"]


async def test_series_ids_are_kept_exactly_as_written(datasets: Stub, analyst: Metadata) -> None:
    # " a" came back as "a", and a file holding both "a" and " a" was refused as a duplicate.
    ids = (" a", "a", "b ")
    content = lines(HEADER, *[(sid, f"2024-01-0{day}", day) for sid in ids for day in (1, 2)])
    dataset = (await upload(datasets, content, analyst)).dataset
    assert dataset.series_count == 3
    stats = await datasets.GetDatasetStats(
        pb.GetDatasetStatsRequest(dataset_id=dataset.dataset_id), metadata=analyst
    )
    assert [s.series_id for s in stats.stats.series] == sorted(ids)


@pytest.mark.parametrize(
    "content",
    [
        b"series_id,timestamp,value\ns,2020-01-01,1\n\ns,2020-01-02,2\ns,2020-01-03,3,extra\n",
        b'series_id,timestamp,value\r\ns,2020-01-01,"1\r\n"\r\ns,2020-01-02,2\r\ns,2020-01-03,3,extra\r\n',
        b'series_id,timestamp,value,note\ns,2020-01-01,1,"a\nb"\ns,2020-01-02,2,x\ns,2020-01-03\n',
    ],
    ids=["blank line", "quoted CRLF", "quoted LF, too few fields"],
)
async def test_a_ragged_row_is_named_by_row_and_line(
    datasets: Stub, analyst: Metadata, content: bytes
) -> None:
    # The line was the row plus one, wrong after a blank line or a quoted line break.
    error = await refused(datasets, analyst, content)
    found = violations(error)
    assert "row 3 (line 5) has" in found["file.rows[3]"], found
    assert dict(error_info(error).metadata) == {"row": "3", "line": "5"}
