"""Stored datasets: statistics, previews, downloads, listing, deletion and who may see them."""

from __future__ import annotations

import hashlib
import io
import math

import grpc
import pandas as pd  # type: ignore[import-untyped]
import pyarrow.parquet as pq
from quantis.v1 import common_pb2, dataset_service_pb2_grpc
from quantis.v1 import dataset_service_pb2 as pb

from server.composition import Application
from server.settings import Settings
from tests.server.auth_helpers import admin_token
from tests.server.dataset.conftest import (
    AIRPASSENGERS,
    CO2,
    SUNSPOTS,
    Metadata,
    bearer,
    csv_metadata,
    lines,
    store_files,
    stored,
    upload,
    violations,
)
from tests.server.security_helpers import failure

Stub = dataset_service_pb2_grpc.DatasetServiceStub


async def download(
    stub: Stub, caller: Metadata, dataset_id: str, fmt: int = 0, offset: int = 0
) -> tuple[bytes, list[pb.DownloadDatasetResponse]]:
    request = pb.DownloadDatasetRequest(dataset_id=dataset_id, format=fmt, offset=offset)  # type: ignore[arg-type]
    messages = [m async for m in stub.DownloadDataset(request, metadata=caller)]
    return b"".join(m.chunk for m in messages), messages


async def test_stats_match_pandas_on_a_real_series(datasets: Stub, analyst: Metadata) -> None:
    dataset = await stored(datasets, SUNSPOTS, analyst)
    response = await datasets.GetDatasetStats(
        pb.GetDatasetStatsRequest(dataset_id=dataset.dataset_id), metadata=analyst
    )
    stats = response.stats
    values = pd.read_csv(SUNSPOTS)["value"]
    column = next(c for c in stats.columns if c.name == "value")
    assert column.role == pb.COLUMN_ROLE_VALUE and (column.count, column.missing) == (309, 0)
    assert math.isclose(column.mean, values.mean()) and math.isclose(column.std, values.std())
    assert (column.min, column.max) == (values.min(), values.max())
    assert math.isclose(column.p25, values.quantile(0.25)) and math.isclose(column.p75, values.quantile(0.75))
    iqr = values.quantile(0.75) - values.quantile(0.25)
    expected = (
        (values < values.quantile(0.25) - 1.5 * iqr) | (values > values.quantile(0.75) + 1.5 * iqr)
    ).sum()
    assert column.outlier_count == expected > 0
    timestamp = next(c for c in stats.columns if c.name == "timestamp")
    assert not timestamp.HasField("mean") and timestamp.count == 309
    assert (
        stats.series_count == 1 and stats.series[0].series_id == "sunspots" and stats.series[0].length == 309
    )
    quality = stats.quality
    assert quality.completeness.value == quality.uniqueness.value == quality.regularity.value == 1.0
    assert math.isclose(quality.outlier_share.value, expected / 309)
    assert math.isclose(quality.score, 25 * (3 + 1 - expected / 309), rel_tol=1e-6)
    assert "outliers" in quality.outlier_share.explanation


async def test_quality_of_a_panel_with_missing_values_and_gaps(datasets: Stub, analyst: Metadata) -> None:
    content = lines(
        ("series_id", "timestamp", "value"),
        ("a", "2024-01-01", 1),
        ("a", "2024-01-02", ""),
        ("a", "2024-01-03", 3),
        ("b", "2024-01-01", 10),
        ("b", "2024-01-02", 11),
        ("b", "2024-01-05", 12),
    )
    dataset = (await upload(datasets, content, analyst)).dataset
    stats = (
        await datasets.GetDatasetStats(
            pb.GetDatasetStatsRequest(dataset_id=dataset.dataset_id, max_series=1), metadata=analyst
        )
    ).stats
    assert stats.series_count == 2 and [s.series_id for s in stats.series] == ["a"]
    assert stats.series[0].missing == 1 and stats.series[0].length == 3
    quality = stats.quality
    assert (
        math.isclose(quality.completeness.value, 5 / 6)
        and "most in series a" in quality.completeness.explanation
    )
    assert (
        math.isclose(quality.regularity.value, 3 / 4) and "most in series b" in quality.regularity.explanation
    )
    assert math.isclose(quality.score, 25 * (5 / 6 + 1 + 3 / 4 + 1))


async def test_preview_is_the_first_rows_as_text(datasets: Stub, analyst: Metadata) -> None:
    dataset = await stored(datasets, CO2, analyst)
    preview = await datasets.PreviewDataset(
        pb.PreviewDatasetRequest(dataset_id=dataset.dataset_id, row_count=3), metadata=analyst
    )
    assert list(preview.column_names) == ["series_id", "timestamp", "value"] and preview.total_rows == 2284
    assert [list(r.cells) for r in preview.rows] == [
        ["co2_mauna_loa", "1958-03-29T00:00:00Z", "316.1"],
        ["co2_mauna_loa", "1958-04-05T00:00:00Z", "317.3"],
        ["co2_mauna_loa", "1958-04-12T00:00:00Z", "317.6"],
    ]
    error = await failure(
        datasets.PreviewDataset(
            pb.PreviewDatasetRequest(dataset_id=dataset.dataset_id, row_count=1001), metadata=analyst
        )
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "row_count" in violations(error)


async def test_downloads_are_stable_resumable_and_carry_the_digest(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    dataset = await stored(datasets, CO2, analyst)
    whole, messages = await download(datasets, analyst, dataset.dataset_id)  # uploaded as CSV
    assert hashlib.sha256(whole).hexdigest() == messages[0].sha256 and messages[0].total_size == len(whole)
    assert all(not m.sha256 for m in messages[1:]) and all(len(m.chunk) <= 1 << 20 for m in messages)
    assert [m.offset for m in messages] == [
        sum(len(x.chunk) for x in messages[:i]) for i in range(len(messages))
    ]
    exported = pd.read_csv(io.BytesIO(whole))
    original = pd.read_csv(CO2)
    assert list(exported["value"]) == list(original["value"]) and len(exported) == 2284

    again, resumed = await download(datasets, analyst, dataset.dataset_id, offset=1000)
    assert again == whole[1000:] and resumed[0].offset == 1000 and resumed[0].sha256 == messages[0].sha256
    end, last = await download(datasets, analyst, dataset.dataset_id, offset=len(whole))
    assert end == b"" and len(last) == 1 and last[0].offset == len(whole)
    error = await failure(
        datasets.DownloadDataset(
            pb.DownloadDatasetRequest(dataset_id=dataset.dataset_id, offset=len(whole) + 1), metadata=analyst
        )
    )
    assert error.code() is grpc.StatusCode.OUT_OF_RANGE

    parquet, first = await download(datasets, analyst, dataset.dataset_id, pb.DATASET_FORMAT_PARQUET)
    assert first[0].sha256 == hashlib.sha256(parquet).hexdigest() and len(parquet) == dataset.size_bytes
    assert pq.read_table(io.BytesIO(parquet)).num_rows == 2284


async def test_list_pages_filters_and_orders(
    datasets: Stub, analyst: Metadata, other_analyst: Metadata
) -> None:
    made = []
    for name, path, labels in (
        ("Airline sales", AIRPASSENGERS, {"team": "finance"}),
        ("CO2 weekly", CO2, {"team": "science"}),
        ("Sunspots", SUNSPOTS, {"team": "science", "tier": "gold"}),
    ):
        response = await upload(datasets, path.read_bytes(), analyst, csv_metadata(name, labels=labels))
        made.append(response.dataset.dataset_id)
    await stored(datasets, AIRPASSENGERS, other_analyst)

    async def ids(**fields: object) -> list[str]:
        found, token = [], ""
        while True:
            page = await datasets.ListDatasets(
                pb.ListDatasetsRequest(page_size=1, page_token=token, **fields),  # type: ignore[arg-type]
                metadata=analyst,
            )
            found += [d.dataset_id for d in page.datasets]
            token = page.next_page_token
            if not token:
                return found

    assert await ids() == made[::-1]
    assert await ids(order=common_pb2.SORT_ORDER_ASCENDING) == made
    assert await ids(name_contains="sun") == [made[2]]
    assert await ids(frequency=common_pb2.FREQUENCY_WEEKLY) == [made[1]]
    assert await ids(labels={"team": "science"}) == [made[2], made[1]]
    assert await ids(filter='labels.team="science" AND labels.tier="gold"') == [made[2]]
    assert await ids(filter='name:"AIR" AND format=DATASET_FORMAT_CSV') == [made[0]]
    assert await ids(filter="frequency=FREQUENCY_YEARLY", labels={"team": "science"}) == [made[2]]
    assert await ids(filter='create_time > "2000-01-01T00:00:00Z"') == made[::-1]
    assert await ids(filter='create_time < "2000-01-01T00:00:00Z"') == []
    page = await datasets.ListDatasets(pb.ListDatasetsRequest(page_size=2), metadata=analyst)
    assert page.total_size == 3 and len(page.datasets) == 2
    for bad in ("name=sales", "size>3", 'name:"a" OR name:"b"', "labels.team", "create_time > yesterday"):
        error = await failure(datasets.ListDatasets(pb.ListDatasetsRequest(filter=bad), metadata=analyst))
        assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "filter" in violations(error), bad


async def test_delete_removes_the_row_and_every_file(
    datasets: Stub, analyst: Metadata, settings: Settings
) -> None:
    dataset = await stored(datasets, AIRPASSENGERS, analyst)
    await download(datasets, analyst, dataset.dataset_id, pb.DATASET_FORMAT_CSV)
    assert len(store_files(settings)) == 3  # the Parquet file, its CSV export and the export's digest
    await datasets.DeleteDataset(pb.DeleteDatasetRequest(dataset_id=dataset.dataset_id), metadata=analyst)
    assert store_files(settings) == []
    error = await failure(
        datasets.GetDataset(pb.GetDatasetRequest(dataset_id=dataset.dataset_id), metadata=analyst)
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND


async def test_only_the_owner_and_admins_see_a_dataset(
    datasets: Stub, analyst: Metadata, other_analyst: Metadata, application: Application
) -> None:
    dataset = await stored(datasets, AIRPASSENGERS, analyst)
    dataset_id = dataset.dataset_id
    foreign = [
        datasets.GetDataset(pb.GetDatasetRequest(dataset_id=dataset_id), metadata=other_analyst),
        datasets.GetDatasetStats(pb.GetDatasetStatsRequest(dataset_id=dataset_id), metadata=other_analyst),
        datasets.PreviewDataset(pb.PreviewDatasetRequest(dataset_id=dataset_id), metadata=other_analyst),
        datasets.DownloadDataset(pb.DownloadDatasetRequest(dataset_id=dataset_id), metadata=other_analyst),
        datasets.DeleteDataset(pb.DeleteDatasetRequest(dataset_id=dataset_id), metadata=other_analyst),
    ]
    for call in foreign:
        assert (await failure(call)).code() is grpc.StatusCode.NOT_FOUND
    listed = await datasets.ListDatasets(pb.ListDatasetsRequest(), metadata=other_analyst)
    assert listed.total_size == 0

    admin = bearer(await admin_token(application))
    assert (
        await datasets.GetDataset(pb.GetDatasetRequest(dataset_id=dataset_id), metadata=admin)
    ).dataset == dataset
    assert (await datasets.ListDatasets(pb.ListDatasetsRequest(), metadata=admin)).total_size == 1
    await datasets.DeleteDataset(pb.DeleteDatasetRequest(dataset_id=dataset_id), metadata=admin)
    assert (await datasets.ListDatasets(pb.ListDatasetsRequest(), metadata=analyst)).total_size == 0
