"""Datasets: store an uploaded file, and read, list, download and delete what is stored.

A file becomes a dataset in one order: read and validate it, write its Parquet file
(renamed into place when complete), then insert the row; if the insert fails the
file is removed again. Parsing, Parquet and database work run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.base import new_id
from server.db.database import Database
from server.db.enums import DatasetFormat
from server.db.models import Dataset
from server.domain.datasets.deletion import deletable
from server.domain.datasets.files import BLOCK, DatasetFiles, remove
from server.domain.datasets.preparation import prepare
from server.domain.datasets.problems import bad_file
from server.domain.datasets.spec import DatasetSpec, validate_spec
from server.domain.datasets.stats import DatasetStats
from server.domain.pagination import PageRequest, fetch_page
from server.errors import InvalidArgument, NotFound, OutOfRange

log = logging.getLogger("server.domain")

MAX_CHUNK = 4 << 20
DEFAULT_PREVIEW_ROWS = 20
MAX_PREVIEW_ROWS = 1000
Clock = Callable[[], datetime]
OnStored = Callable[[Session, Dataset], Dataset]


@dataclass(frozen=True)
class Download:
    """A dataset's file in one format: where it is, how big, its digest, and where to start."""

    path: Path
    size: int
    sha256: str
    offset: int


def require_id(value: str, field: str = "dataset_id") -> str:
    if not value:
        raise InvalidArgument.field(field, "is required")
    return value


def visible(session: Session, principal: Principal, dataset_id: str) -> Dataset:
    """The dataset, if the caller owns it or is an admin; NOT_FOUND otherwise."""
    dataset = session.get(Dataset, require_id(dataset_id))
    if dataset is None or (dataset.owner_id != principal.user_id and not principal.is_admin):
        raise NotFound("dataset", dataset_id)
    return dataset


class DatasetService:
    def __init__(self, db: Database, files: DatasetFiles, max_upload_bytes: int, clock: Clock):
        self._db = db
        self.files = files
        self.max_upload_bytes = max_upload_bytes
        self._now = clock

    # --- storing ----------------------------------------------------------------

    async def upload(self, owner: Principal, spec: DatasetSpec, chunks: AsyncIterator[bytes]) -> Dataset:
        """Stream ``chunks`` to a temporary file, then validate and store it."""
        validate_spec(spec)
        path = await asyncio.to_thread(self.files.new_upload_path)
        try:
            received = 0
            fh = await asyncio.to_thread(path.open, "wb")
            try:
                async for chunk in chunks:
                    if len(chunk) > MAX_CHUNK:
                        raise InvalidArgument.field("chunk", f"chunks are at most {MAX_CHUNK} bytes")
                    received += len(chunk)
                    if received > self.max_upload_bytes:
                        raise self.too_large("chunk")
                    if chunk:
                        await asyncio.to_thread(fh.write, chunk)
            finally:
                await asyncio.to_thread(fh.close)
            if received == 0:
                raise bad_file("the file is empty")
            return await self.ingest(owner.user_id, spec, path)
        finally:
            await asyncio.to_thread(remove, path)

    def too_large(self, field: str) -> InvalidArgument:
        return InvalidArgument.field(
            field,
            f"the file exceeds the upload limit of {self.max_upload_bytes} bytes",
            reason="UPLOAD_TOO_LARGE",
        )

    async def ingest(
        self, owner_id: str, spec: DatasetSpec, path: Path, on_stored: OnStored | None = None
    ) -> Dataset:
        """Validate the file at ``path`` and store it as a dataset of ``owner_id``.

        ``on_stored(session, dataset)`` runs in the inserting transaction and returns
        the dataset to answer with (an upload session's completion uses it).
        """
        dataset_id = new_id()
        dataset = await asyncio.to_thread(prepare, self.files, self._now, dataset_id, owner_id, spec, path)

        def insert(session: Session) -> Dataset:
            session.add(dataset)
            session.flush()
            return on_stored(session, dataset) if on_stored else dataset

        try:
            stored = await self._db.run(insert)
        except BaseException:
            await asyncio.to_thread(self.files.delete, dataset.storage_path)
            raise
        if stored.id != dataset_id:  # the upload was completed meanwhile: keep that dataset only
            await asyncio.to_thread(self.files.delete, dataset.storage_path)
        return stored

    # --- reading ----------------------------------------------------------------

    async def get(self, principal: Principal, dataset_id: str) -> Dataset:
        return await self._db.run(lambda session: visible(session, principal, dataset_id))

    async def list_datasets(
        self,
        principal: Principal,
        page: PageRequest,
        where: list[sa.ColumnElement[bool]],
        ascending: bool = False,
    ) -> tuple[list[Dataset], str, int]:
        def query(session: Session) -> tuple[list[Dataset], str, int]:
            selected = sa.select(Dataset).where(*where)
            if not principal.is_admin:
                selected = selected.where(Dataset.owner_id == principal.user_id)
            return fetch_page(session, selected, Dataset, page, ascending)

        return await self._db.run(query)

    async def stats(
        self, principal: Principal, dataset_id: str, max_series: int
    ) -> tuple[Dataset, DatasetStats]:
        if max_series < 0 or max_series > 10_000:
            raise InvalidArgument.field("max_series", "must be 0 to 10000")
        dataset = await self.get(principal, dataset_id)
        stats = await asyncio.to_thread(self.files.stats, dataset.storage_path)
        return dataset, stats

    async def preview(
        self, principal: Principal, dataset_id: str, rows: int
    ) -> tuple[list[str], list[list[str]], int]:
        if not 0 <= rows <= MAX_PREVIEW_ROWS:
            raise InvalidArgument.field("row_count", f"must be 0 to {MAX_PREVIEW_ROWS}")
        dataset = await self.get(principal, dataset_id)
        return await asyncio.to_thread(self.files.head, dataset.storage_path, rows or DEFAULT_PREVIEW_ROWS)

    async def download(
        self, principal: Principal, dataset_id: str, format: DatasetFormat | None, offset: int
    ) -> Download:
        if offset < 0:
            raise InvalidArgument.field("offset", "must not be negative")
        dataset = await self.get(principal, dataset_id)
        if (format or dataset.format) is DatasetFormat.CSV:
            path, digest = await asyncio.to_thread(self.files.csv_export, dataset.storage_path)
            size = (await asyncio.to_thread(path.stat)).st_size
        else:
            path, size, digest = self.files.path(dataset.storage_path), dataset.size_bytes, dataset.sha256
        if offset > size:
            raise OutOfRange(
                f"offset {offset} is past the end of the {size}-byte file", reason="OFFSET_OUT_OF_RANGE"
            )
        return Download(path, size, digest, offset)

    @staticmethod
    async def chunks(download: Download) -> AsyncIterator[tuple[int, bytes]]:
        """(offset, bytes) pieces of at most 1 MiB from the download's offset; one empty piece at the end."""
        fh = await asyncio.to_thread(download.path.open, "rb")
        try:
            await asyncio.to_thread(fh.seek, download.offset)
            position = download.offset
            while True:
                block = await asyncio.to_thread(fh.read, BLOCK)
                if not block:
                    if position == download.offset:
                        yield position, b""
                    return
                yield position, block
                position += len(block)
        finally:
            await asyncio.to_thread(fh.close)

    # --- deleting ---------------------------------------------------------------

    async def delete(self, principal: Principal, dataset_id: str) -> None:
        require_id(dataset_id)

        def delete(session: Session) -> str:
            dataset = deletable(session, principal, dataset_id)
            session.delete(dataset)
            return dataset.storage_path

        relative = await self._db.run(delete)
        await asyncio.to_thread(self.files.delete, relative)
