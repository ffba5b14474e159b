"""Dataset upload (resumable, from a DataFrame or a path) and download, round trip."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantis
from quantis import errors, transfers
from quantis.v1 import common_pb2
from quantis.v1 import dataset_service_pb2 as pb

from tests.server.dataset.conftest import AIRPASSENGERS, CO2


async def test_dataframe_round_trip(analyst: quantis.AsyncClient) -> None:
    frame = pd.read_csv(CO2)
    dataset = await analyst.upload_dataset(
        frame, name="co2", series_id_column="series_id", chunk_size=4096, progress=False
    )
    assert (dataset.name, dataset.row_count, dataset.frequency) == (
        "co2",
        len(frame),
        common_pb2.FREQUENCY_WEEKLY,
    )
    assert dataset.size_bytes > 4096  # it took several chunks
    listed = await analyst.datasets.ListDatasets(pb.ListDatasetsRequest())
    assert [d.dataset_id for d in listed.datasets] == [dataset.dataset_id]
    back = await analyst.download_dataset(dataset.dataset_id, progress=False)
    assert isinstance(back, pd.DataFrame)
    # The server stores timestamps normalised to RFC 3339 UTC.
    assert pd.to_datetime(back["timestamp"]).tolist() == pd.to_datetime(frame["timestamp"], utc=True).tolist()
    assert back["value"].tolist() == frame["value"].tolist()
    assert set(back["series_id"]) == set(frame["series_id"])


async def test_path_upload_and_download_to_a_path(analyst: quantis.AsyncClient, tmp_path: Path) -> None:
    dataset = await analyst.upload_dataset(
        AIRPASSENGERS, name="air", series_id_column="series_id", progress=False
    )
    out = await analyst.download_dataset(dataset.dataset_id, tmp_path / "air.csv", progress=False)
    assert out == tmp_path / "air.csv"
    assert pd.read_csv(out)["value"].tolist() == pd.read_csv(AIRPASSENGERS)["value"].tolist()


async def test_interrupted_upload_resumes_from_the_committed_size(
    analyst: quantis.AsyncClient, target: str
) -> None:
    content = AIRPASSENGERS.read_bytes()
    started = await analyst.datasets.StartUpload(
        pb.StartUploadRequest(
            metadata=pb.DatasetMetadata(
                name="air",
                format=pb.DATASET_FORMAT_CSV,
                timestamp_column="timestamp",
                value_columns=["value"],
                series_id_column="series_id",
            ),
            total_size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    )
    upload_id = started.upload_session.upload_id
    await analyst.datasets.UploadChunk(
        pb.UploadChunkRequest(upload_id=upload_id, offset=0, data=content[:1000])
    )

    def resume() -> pb.Dataset:
        # A new process (here, the sync client) picks the session up where the server has it.
        with quantis.Client(target, tokens=analyst.credentials.tokens) as client:
            return client.resume_upload(upload_id, AIRPASSENGERS, progress=False)

    dataset = await asyncio.to_thread(resume)
    assert dataset.row_count == 144


async def test_invalid_file_names_the_field(analyst: quantis.AsyncClient) -> None:
    frame = pd.DataFrame({"timestamp": ["2024-01-01", "2024-01-02"], "value": ["a", "b"]})
    with pytest.raises(errors.InvalidArgument) as raised:
        await analyst.upload_dataset(frame, name="bad", progress=False)
    assert raised.value.field_violations


async def test_upload_follows_the_servers_committed_size(analyst: quantis.AsyncClient, target: str) -> None:
    content = AIRPASSENGERS.read_bytes()
    metadata = transfers.dataset_metadata("air", series_id_column="series_id")
    metadata.format = pb.DATASET_FORMAT_CSV
    request = pb.StartUploadRequest(
        metadata=metadata, total_size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )
    upload_id = (await analyst.datasets.StartUpload(request)).upload_session.upload_id
    await analyst.datasets.UploadChunk(
        pb.UploadChunkRequest(upload_id=upload_id, offset=0, data=content[:1000])
    )

    def send_from_zero() -> int:
        # A client that lost track sends from 0: the refusal carries the committed size to continue from.
        with (
            quantis.Client(target, tokens=analyst.credentials.tokens) as client,
            transfers.open_source(AIRPASSENGERS) as opened,
            transfers.progress_bar(opened.size, "air", enabled=False) as bar,
        ):
            return transfers.send_chunks(client.datasets, upload_id, opened, 0, 1500, bar)

    assert await asyncio.to_thread(send_from_zero) == len(content)
    completed = await analyst.datasets.CompleteUpload(pb.CompleteUploadRequest(upload_id=upload_id))
    assert completed.dataset.row_count == 144


async def test_download_keeps_every_float_exactly(analyst: quantis.AsyncClient) -> None:
    values = np.random.default_rng(3).normal(0, 1e6, 50)
    timestamps = pd.date_range("2022-01-01", periods=50, freq="h", tz="UTC")
    dataset = await analyst.upload_dataset(
        pd.DataFrame({"timestamp": timestamps, "value": values}), name="exact", progress=False
    )
    back = await analyst.download_dataset(dataset.dataset_id, progress=False)
    assert isinstance(back, pd.DataFrame)
    assert back["value"].tolist() == values.tolist()


async def test_a_failed_download_leaves_the_path_as_it_was(
    analyst: quantis.AsyncClient, target: str, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    precious = folder / "precious.csv"
    precious.write_text("precious,data\n1,2\n")
    with pytest.raises(errors.NotFound):
        await analyst.download_dataset("does-not-exist", precious, progress=False)
    with pytest.raises(errors.NotFound):
        await analyst.download_dataset("does-not-exist", folder / "new.csv", progress=False)

    def sync_download(path: Path) -> None:
        with quantis.Client(target, tokens=analyst.credentials.tokens) as client:
            client.download_dataset("does-not-exist", path, progress=False)

    with pytest.raises(errors.NotFound):
        await asyncio.to_thread(sync_download, precious)
    with pytest.raises(errors.NotFound):
        await asyncio.to_thread(sync_download, folder / "new.csv")
    assert precious.read_text() == "precious,data\n1,2\n"
    assert [p.name for p in folder.iterdir()] == ["precious.csv"]  # no new or temporary file


async def test_a_download_replaces_the_file_at_the_path(
    analyst: quantis.AsyncClient, target: str, tmp_path: Path
) -> None:
    dataset = await analyst.upload_dataset(
        AIRPASSENGERS, name="air", series_id_column="series_id", progress=False
    )
    folder = tmp_path / "downloads"
    folder.mkdir()
    existing = folder / "air.csv"

    def sync_download() -> None:
        with quantis.Client(target, tokens=analyst.credentials.tokens) as client:
            client.download_dataset(dataset.dataset_id, existing, progress=False)

    for download in (
        lambda: analyst.download_dataset(dataset.dataset_id, existing, progress=False),
        lambda: asyncio.to_thread(sync_download),
    ):
        existing.write_text("old\n")
        await download()
        assert pd.read_csv(existing)["value"].tolist() == pd.read_csv(AIRPASSENGERS)["value"].tolist()
        assert [p.name for p in folder.iterdir()] == ["air.csv"]
