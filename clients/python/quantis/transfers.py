"""Dataset files in and out: resumable uploads and resumable downloads, with a progress bar.

Uploads use StartUpload/UploadChunk/CompleteUpload rather than the client
stream, because those survive a dropped connection: a chunk refused with
UPLOAD_OFFSET_MISMATCH carries the committed size to continue from, and
``resume_upload`` continues a session from GetUpload's committed size. A
download that breaks with UNAVAILABLE continues from the bytes received, since
the server sends the same bytes on every call. The file is read and written in
chunks, never held whole in memory (a DataFrame is, by nature).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tqdm import tqdm  # type: ignore[import-untyped]

from quantis import errors
from quantis.v1 import dataset_service_pb2 as pb

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

DEFAULT_CHUNK_SIZE = 1024 * 1024
DOWNLOAD_ATTEMPTS = 5
_FORMATS = {".csv": pb.DATASET_FORMAT_CSV, ".parquet": pb.DATASET_FORMAT_PARQUET}


@dataclass
class Opened:
    """An upload's bytes: a seekable file, its size, sha256 and format."""

    file: IO[bytes]
    size: int
    sha256: str
    format: int


@contextlib.contextmanager
def open_source(source: str | Path | pd.DataFrame) -> Iterator[Opened]:
    """A path (CSV or Parquet, by suffix) or a DataFrame (sent as CSV)."""
    if isinstance(source, str | Path):
        path = Path(source)
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(f"{path}: the format is taken from the suffix, .csv or .parquet")
        with path.open("rb") as file:
            digest = hashlib.sha256()
            for block in iter(lambda: file.read(DEFAULT_CHUNK_SIZE), b""):
                digest.update(block)
            yield Opened(file, file.tell(), digest.hexdigest(), fmt)
        return
    content = source.to_csv(index=False).encode()
    checksum = hashlib.sha256(content).hexdigest()
    yield Opened(io.BytesIO(content), len(content), checksum, pb.DATASET_FORMAT_CSV)


def read_at(file: IO[bytes], offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)


def progress_bar(total: int, description: str, enabled: bool) -> Any:
    return tqdm(
        total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=description, disable=not enabled
    )


def committed_after(error: errors.FailedPrecondition) -> int:
    """The committed size an UPLOAD_OFFSET_MISMATCH carries; other refusals are raised again."""
    if error.reason != "UPLOAD_OFFSET_MISMATCH" or "committed_size" not in error.metadata:
        raise error
    return int(error.metadata["committed_size"])


def send_chunks(
    stub: object, upload_id: str, opened: Opened, committed: int, chunk_size: int, bar: Any
) -> int:
    """UploadChunk from ``committed`` to the end, following the server's committed size; returns it."""
    offset = committed
    bar.update(offset - bar.n)
    while offset < opened.size:
        data = read_at(opened.file, offset, chunk_size)
        request = pb.UploadChunkRequest(upload_id=upload_id, offset=offset, data=data)
        try:
            offset = stub.UploadChunk(request).committed_size  # type: ignore[attr-defined]
        except errors.FailedPrecondition as error:
            offset = committed_after(error)
        bar.update(offset - bar.n)
    return offset


def upload(
    stub: object,
    source: str | Path | pd.DataFrame,
    metadata: pb.DatasetMetadata,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> pb.Dataset:
    with open_source(source) as opened:
        if not metadata.format:
            metadata.format = opened.format  # type: ignore[assignment]
        request = pb.StartUploadRequest(metadata=metadata, total_size=opened.size, sha256=opened.sha256)
        session = stub.StartUpload(request).upload_session  # type: ignore[attr-defined]
        size = min(chunk_size, session.max_chunk_size or chunk_size)
        with progress_bar(opened.size, metadata.name, progress) as bar:
            send_chunks(stub, session.upload_id, opened, session.committed_size, size, bar)
        complete = pb.CompleteUploadRequest(upload_id=session.upload_id)
        return stub.CompleteUpload(complete).dataset  # type: ignore[attr-defined, no-any-return]


def resume_upload(
    stub: object,
    upload_id: str,
    source: str | Path | pd.DataFrame,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> pb.Dataset:
    """Continues an upload session from the size the server has committed."""
    with open_source(source) as opened:
        session = stub.GetUpload(pb.GetUploadRequest(upload_id=upload_id)).upload_session  # type: ignore[attr-defined]
        size = min(chunk_size, session.max_chunk_size or chunk_size)
        with progress_bar(opened.size, session.metadata.name, progress) as bar:
            send_chunks(stub, upload_id, opened, session.committed_size, size, bar)
        complete = pb.CompleteUploadRequest(upload_id=upload_id)
        return stub.CompleteUpload(complete).dataset  # type: ignore[attr-defined, no-any-return]


def download(stub: object, dataset_id: str, out: IO[bytes], fmt: int, progress: bool = True) -> str:
    """Writes the dataset's file to ``out`` and returns its sha256, checked against the server's."""
    received, expected, attempts = 0, "", 0
    digest = hashlib.sha256()
    with progress_bar(0, dataset_id, progress) as bar:
        while True:
            request = pb.DownloadDatasetRequest(dataset_id=dataset_id, format=fmt, offset=received)  # type: ignore[arg-type]
            try:
                for message in stub.DownloadDataset(request):  # type: ignore[attr-defined]
                    expected = message.sha256 or expected
                    bar.total = message.total_size
                    out.write(message.chunk)
                    digest.update(message.chunk)
                    received += len(message.chunk)
                    bar.update(len(message.chunk))
                break
            except errors.Unavailable:
                attempts += 1
                if attempts >= DOWNLOAD_ATTEMPTS:
                    raise
    if expected and digest.hexdigest() != expected:
        raise errors.DataLoss(f"downloaded {dataset_id} does not match the server's sha256")
    return digest.hexdigest()


def temporary_beside(path: Path) -> tuple[Path, IO[bytes]]:
    """A new file in ``path``'s directory (so that renaming it onto ``path`` is atomic), opened
    for writing with the mode a plain ``open`` would give it."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    return temporary, os.fdopen(descriptor, "wb")


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[IO[bytes]]:
    """A file that takes ``path``'s place when the block succeeds; when it fails, ``path`` is left
    as it was (a download that fails must not destroy the file it would have replaced)."""
    temporary, out = temporary_beside(path)
    try:
        with out:
            yield out
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def to_frame(content: bytes, fmt: int) -> pd.DataFrame:
    import pandas as pd

    if fmt == pb.DATASET_FORMAT_PARQUET:
        return pd.read_parquet(io.BytesIO(content))
    # The default parser may miss a float's last digit; the server wrote the shortest round trip.
    return pd.read_csv(io.BytesIO(content), float_precision="round_trip")


def dataset_metadata(
    name: str,
    timestamp_column: str = "timestamp",
    value_columns: tuple[str, ...] | list[str] = ("value",),
    series_id_column: str = "",
    frequency: int = 0,
    description: str = "",
    labels: dict[str, str] | None = None,
) -> pb.DatasetMetadata:
    return pb.DatasetMetadata(
        name=name,
        description=description,
        timestamp_column=timestamp_column,
        value_columns=list(value_columns),
        series_id_column=series_id_column,
        frequency=frequency,  # type: ignore[arg-type]
        labels=labels or {},
    )
