"""The asyncio twins of ``quantis.transfers``: same protocol, file I/O off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from quantis import errors
from quantis.transfers import (
    DEFAULT_CHUNK_SIZE,
    DOWNLOAD_ATTEMPTS,
    Opened,
    committed_after,
    open_source,
    progress_bar,
    read_at,
    temporary_beside,
)
from quantis.v1 import dataset_service_pb2 as pb

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]


async def _send_chunks(
    stub: Any, upload_id: str, opened: Opened, committed: int, chunk_size: int, bar: Any
) -> None:
    offset = committed
    bar.update(offset - bar.n)
    while offset < opened.size:
        data = await asyncio.to_thread(read_at, opened.file, offset, chunk_size)
        request = pb.UploadChunkRequest(upload_id=upload_id, offset=offset, data=data)
        try:
            offset = (await stub.UploadChunk(request)).committed_size
        except errors.FailedPrecondition as error:
            offset = committed_after(error)
        bar.update(offset - bar.n)


async def upload(
    stub: Any,
    source: str | Path | pd.DataFrame,
    metadata: pb.DatasetMetadata,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> pb.Dataset:
    with open_source(source) as opened:
        if not metadata.format:
            metadata.format = opened.format  # type: ignore[assignment]
        request = pb.StartUploadRequest(metadata=metadata, total_size=opened.size, sha256=opened.sha256)
        session = (await stub.StartUpload(request)).upload_session
        size = min(chunk_size, session.max_chunk_size or chunk_size)
        with progress_bar(opened.size, metadata.name, progress) as bar:
            await _send_chunks(stub, session.upload_id, opened, session.committed_size, size, bar)
        response = await stub.CompleteUpload(pb.CompleteUploadRequest(upload_id=session.upload_id))
        return response.dataset  # type: ignore[no-any-return]


async def download(stub: Any, dataset_id: str, out: IO[bytes], fmt: int, progress: bool = True) -> str:
    received, expected, attempts = 0, "", 0
    digest = hashlib.sha256()
    with progress_bar(0, dataset_id, progress) as bar:
        while True:
            request = pb.DownloadDatasetRequest(dataset_id=dataset_id, format=fmt, offset=received)  # type: ignore[arg-type]
            try:
                async for message in stub.DownloadDataset(request):
                    expected = message.sha256 or expected
                    bar.total = message.total_size
                    await asyncio.to_thread(out.write, message.chunk)
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


async def download_to(stub: Any, dataset_id: str, path: Path, fmt: int, progress: bool = True) -> str:
    """``download`` into a file beside ``path`` that replaces it only once the whole file has
    arrived; a failed download leaves ``path`` as it was."""
    temporary, out = await asyncio.to_thread(temporary_beside, path)
    try:
        try:
            digest = await download(stub, dataset_id, out, fmt, progress)
        finally:
            await asyncio.to_thread(out.close)
        await asyncio.to_thread(temporary.replace, path)
    except BaseException:
        await asyncio.to_thread(temporary.unlink, True)
        raise
    return digest
