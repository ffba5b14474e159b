"""Datasets for model tests, stored the way DatasetService stores them (a Parquet file and a row)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

import training.datasets
from server.composition import Application
from server.db.enums import DatasetFormat, Frequency
from server.db.models import Dataset, User

# The real series ship with the forecasting core.
AIRPASSENGERS = Path(training.datasets.__file__).resolve().parent / "demo_airpassengers_monthly.csv"


async def user_id(application: Application, username: str) -> str:
    return str(
        await application.db.run(lambda s: s.scalar(sa.select(User.id).where(User.username == username)))
    )


async def store_dataset(
    application: Application,
    owner_id: str,
    csv: Path = AIRPASSENGERS,
    frequency: Frequency = Frequency.MONTHLY,
) -> str:
    """Store ``csv`` (series_id, timestamp, value) as a dataset of ``owner_id``; its id."""
    frame = pd.read_csv(csv)
    root = application.settings.object_store_dir
    dataset = Dataset(
        owner_id=owner_id,
        name=csv.stem,
        format=DatasetFormat.CSV,
        columns=[
            {"name": "series_id", "role": "series_id", "dtype": "string"},
            {"name": "timestamp", "role": "timestamp", "dtype": "timestamp[us, tz=UTC]"},
            {"name": "value", "role": "value", "dtype": "double"},
        ],
        storage_path="",
        sha256="",
    )
    table = pa.table(
        {
            "series_id": pa.array(frame["series_id"].astype(str), pa.string()),
            "timestamp": pa.array(pd.to_datetime(frame["timestamp"], utc=True)).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "value": pa.array(frame["value"].astype("float64"), pa.float64()),
        }
    )
    lengths = frame.groupby("series_id").size()

    def insert(session: sa.orm.Session) -> str:
        session.add(dataset)
        session.flush()
        relative = f"datasets/{dataset.id}.parquet"
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        dataset.storage_path = relative
        dataset.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        dataset.size_bytes = path.stat().st_size
        dataset.row_count = len(frame)
        dataset.series_count = int(lengths.size)
        dataset.min_series_length = int(lengths.min())
        dataset.max_series_length = int(lengths.max())
        dataset.frequency = frequency
        return dataset.id

    return str(await application.db.run(insert))
