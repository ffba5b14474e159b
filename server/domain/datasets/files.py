"""Dataset files in the object store: one Parquet file per dataset, plus upload bytes.

Layout under the object store root::

    datasets/<dataset id>.parquet      the stored dataset (statistics in its metadata)
    datasets/<dataset id>.csv          its CSV export, made on the first CSV download
    datasets/<dataset id>.csv.sha256   the export's digest
    uploads/<name>.part                bytes of an upload in progress

Every file is written under a temporary name and renamed into place, so a reader
never sees half a file. Everything here blocks; callers run it off the event loop.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from server.domain.datasets.spec import ColumnRole
from server.domain.datasets.stats import DatasetStats
from server.domain.datasets.validation import Validated

STATS_KEY = b"quantis.stats"
BLOCK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def cell_text(value: Any) -> str:
    """A cell as text: RFC 3339 for times, the shortest round-trip form for numbers, "" if missing."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class DatasetFiles:
    def __init__(self, root: Path):
        self.root = root
        self._datasets = root / "datasets"
        self._uploads = root / "uploads"

    def path(self, relative: str) -> Path:
        return self.root / relative

    def new_upload_path(self, name: str | None = None) -> Path:
        self._uploads.mkdir(parents=True, exist_ok=True)
        return self._uploads / f"{name or 'stream-' + uuid.uuid4().hex}.part"

    def store(self, dataset_id: str, data: Validated, stats: DatasetStats) -> tuple[str, int, str]:
        """Write the dataset's Parquet file; its path (relative to the root), size and sha256."""
        self._datasets.mkdir(parents=True, exist_ok=True)
        arrays, fields = [], []
        for name, role in data.roles.items():
            column = data.frame[name]
            if role is ColumnRole.TIMESTAMP:
                array = pa.array(column).cast(pa.timestamp("us", tz="UTC"))
            elif column.dtype == object:
                array = pa.array(column.astype(str), type=pa.string())
            else:
                array = pa.array(column.to_numpy(dtype="float64"), type=pa.float64())
            arrays.append(array)
            fields.append(pa.field(name, array.type, metadata={b"role": role.value.encode()}))
        schema = pa.schema(fields, metadata={STATS_KEY: json.dumps(stats.to_json()).encode()})
        relative = f"datasets/{dataset_id}.parquet"
        final = self.path(relative)
        temporary = final.with_name(f"{final.name}.{uuid.uuid4().hex}.tmp")
        try:
            pq.write_table(pa.Table.from_arrays(arrays, schema=schema), temporary)
            os.replace(temporary, final)
        finally:
            remove(temporary)
        return relative, final.stat().st_size, sha256_of(final)

    def delete(self, relative: str) -> None:
        final = self.path(relative)
        for path in (final, final.with_suffix(".csv"), final.with_suffix(".csv.sha256")):
            remove(path)

    def stats(self, relative: str) -> DatasetStats:
        metadata = pq.read_schema(self.path(relative)).metadata or {}
        return DatasetStats.from_json(json.loads(metadata[STATS_KEY]))

    def columns(self, relative: str) -> list[dict[str, str]]:
        schema = pq.read_schema(self.path(relative))
        return [
            {"name": f.name, "role": (f.metadata or {})[b"role"].decode(), "dtype": str(f.type)}
            for f in schema
        ]

    def head(self, relative: str, rows: int) -> tuple[list[str], list[list[str]], int]:
        """Column names, the first ``rows`` rows as text, and the number of rows in all."""
        parquet = pq.ParquetFile(self.path(relative))
        names = list(parquet.schema_arrow.names)
        found: list[list[str]] = []
        for batch in parquet.iter_batches(batch_size=rows):
            found.extend(self._text_rows(batch))
            break
        return names, found[:rows], parquet.metadata.num_rows

    def csv_export(self, relative: str) -> tuple[Path, str]:
        """The dataset as CSV and its sha256: made once, then reused, so every download is the same bytes."""
        final = self.path(relative).with_suffix(".csv")
        digest_file = final.with_suffix(".csv.sha256")
        if final.exists() and digest_file.exists():
            return final, digest_file.read_text().strip()
        token = uuid.uuid4().hex
        temporary, temporary_digest = (p.with_name(f"{p.name}.{token}.tmp") for p in (final, digest_file))
        digest = hashlib.sha256()
        try:
            with temporary.open("wb") as fh:
                for block in self._csv_blocks(relative):
                    digest.update(block)
                    fh.write(block)
            temporary_digest.write_text(digest.hexdigest())
            os.replace(temporary_digest, digest_file)
            os.replace(temporary, final)
        finally:
            remove(temporary)
            remove(temporary_digest)
        return final, digest.hexdigest()

    def _csv_blocks(self, relative: str) -> Iterator[bytes]:
        parquet = pq.ParquetFile(self.path(relative))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(parquet.schema_arrow.names)
        for batch in parquet.iter_batches(batch_size=65_536):
            writer.writerows(self._text_rows(batch))
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode()

    @staticmethod
    def _text_rows(batch: pa.RecordBatch) -> Iterator[list[str]]:
        columns = [[cell_text(v) for v in column.to_pylist()] for column in batch.columns]
        return (list(row) for row in zip(*columns, strict=True))
