"""Preparing an uploaded file to become a dataset: read and validate it, compute its statistics,
write its Parquet file, and describe it in a Dataset row for the caller to insert. Everything
here blocks; the dataset service runs it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from server.db.models import Dataset
from server.domain.datasets.files import DatasetFiles
from server.domain.datasets.reading import read_table
from server.domain.datasets.spec import NUMERIC_ROLES, DatasetSpec
from server.domain.datasets.stats import compute
from server.domain.datasets.validation import validate


def prepare(
    files: DatasetFiles,
    clock: Callable[[], datetime],
    dataset_id: str,
    owner_id: str,
    spec: DatasetSpec,
    path: Path,
) -> Dataset:
    data = validate(read_table(path, spec), spec)
    now = clock()
    stats = compute(data, now)
    relative, size, digest = files.store(dataset_id, data, stats)
    stamps = data.frame[spec.timestamp_column]
    lengths = [s.length for s in stats.series]
    assert spec.format is not None
    return Dataset(
        id=dataset_id,
        owner_id=owner_id,
        name=spec.name.strip(),
        description=spec.description,
        format=spec.format,
        columns=[
            {"name": name, "role": role.value, "dtype": dtype}
            for (name, role), dtype in zip(
                data.roles.items(), (c["dtype"] for c in files.columns(relative)), strict=True
            )
        ],
        storage_path=relative,
        row_count=len(data.frame),
        series_count=len(lengths),
        min_series_length=min(lengths),
        max_series_length=max(lengths),
        frequency=data.frequency,
        start_at=stamps.min().to_pydatetime(),
        end_at=stamps.max().to_pydatetime(),
        missing_values=sum(c.missing for c in stats.columns if c.role in NUMERIC_ROLES),
        size_bytes=size,
        sha256=digest,
        labels=dict(spec.labels),
        created_at=now,
        updated_at=now,
    )
