"""Resumable uploads: a session receives a file's bytes in order, then becomes a dataset.

The session row is the truth about how many bytes are committed; a chunk is
written at its offset (so a resent chunk rewrites the same bytes) and then
committed with a compare-and-set on the committed size. A session past its
expiry time is gone: its row and bytes are deleted when next seen, and by the
sweep each StartUpload runs.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import UploadState
from server.db.models import Dataset, UploadSession
from server.domain.datasets.files import remove, sha256_of
from server.domain.datasets.service import MAX_CHUNK, Clock, DatasetService, OnStored, require_id
from server.domain.datasets.spec import DatasetSpec, validate_spec
from server.errors import FailedPrecondition, InvalidArgument, NotFound, PreconditionViolation

SHA256 = re.compile(r"[0-9a-f]{64}")
SWEEP_BATCH = 100


@dataclass(frozen=True)
class UploadView:
    session: UploadSession
    spec: DatasetSpec
    max_chunk_size: int = MAX_CHUNK


def offset_mismatch(committed: int, description: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"{description}; the upload has {committed} bytes committed",
        reason="UPLOAD_OFFSET_MISMATCH",
        metadata={"committed_size": str(committed)},
        violations=[PreconditionViolation("UPLOAD_OFFSET", "offset", description)],
    )


class UploadService:
    def __init__(self, db: Database, datasets: DatasetService, lifetime: timedelta, clock: Clock):
        self._db = db
        self._datasets = datasets
        self._lifetime = lifetime
        self._now = clock
        self._completing: dict[str, asyncio.Lock] = {}

    def _view(self, session: UploadSession) -> UploadView:
        return UploadView(session, DatasetSpec.from_json(session.dataset_metadata))

    def _owned(self, session: Session, principal: Principal, upload_id: str) -> UploadSession:
        found = session.get(UploadSession, require_id(upload_id, "upload_id"))
        if found is None or (found.owner_id != principal.user_id and not principal.is_admin):
            raise NotFound("upload", upload_id)
        if found.expires_at <= self._now() or found.state not in (UploadState.OPEN, UploadState.COMPLETED):
            raise NotFound("upload", upload_id)
        return found

    async def start(
        self, principal: Principal, spec: DatasetSpec, total_size: int, sha256: str
    ) -> UploadView:
        validate_spec(spec)
        if total_size < 1:
            raise InvalidArgument.field("total_size", "must be at least 1 byte")
        if total_size > self._datasets.max_upload_bytes:
            raise self._datasets.too_large("total_size")
        if sha256 and not SHA256.fullmatch(sha256):
            raise InvalidArgument.field("sha256", "must be 64 lower-case hex digits")
        await self.sweep()
        now = self._now()
        upload = UploadSession(
            owner_id=principal.user_id,
            dataset_metadata=spec.to_json(),
            total_size=total_size,
            committed_size=0,
            sha256=sha256,
            expires_at=now + self._lifetime,
            state=UploadState.OPEN,
            created_at=now,
            updated_at=now,
        )
        path = self._datasets.files.new_upload_path(upload.id)
        upload.temp_path = str(path.relative_to(self._datasets.files.root))
        await asyncio.to_thread(path.touch)

        def store(session: Session) -> UploadSession:
            session.add(upload)
            session.flush()
            return upload

        try:
            return self._view(await self._db.run(store))
        except BaseException:
            await asyncio.to_thread(remove, path)
            raise

    async def get(self, principal: Principal, upload_id: str) -> UploadView:
        return self._view(await self._db.run(lambda session: self._owned(session, principal, upload_id)))

    async def append(self, principal: Principal, upload_id: str, offset: int, data: bytes) -> int:
        """Write ``data`` at ``offset``; the committed size afterwards."""
        if not 1 <= len(data) <= MAX_CHUNK:
            raise InvalidArgument.field("data", f"must hold 1 to {MAX_CHUNK} bytes")
        if offset < 0:
            raise InvalidArgument.field("offset", "must not be negative")
        upload = (await self.get(principal, upload_id)).session
        if offset + len(data) > upload.total_size:
            raise InvalidArgument.field(
                "data", f"the chunk ends at byte {offset + len(data)}, past total_size {upload.total_size}"
            )
        if offset + len(data) <= upload.committed_size:
            return upload.committed_size  # a resent chunk: already committed
        if offset != upload.committed_size:
            raise offset_mismatch(upload.committed_size, f"offset {offset} is not the committed size")
        path = self._datasets.files.path(upload.temp_path)
        await asyncio.to_thread(_write_at, path, offset, data)
        committed = offset + len(data)

        def commit(session: Session) -> int:
            changed = session.execute(
                sa.update(UploadSession)
                .where(
                    UploadSession.id == upload.id,
                    UploadSession.committed_size == offset,
                    UploadSession.state == UploadState.OPEN,
                )
                .values(
                    committed_size=committed, expires_at=self._now() + self._lifetime, updated_at=self._now()
                )
            )
            if changed.rowcount == 1:  # type: ignore[attr-defined]
                return committed
            now_committed = session.scalar(
                sa.select(UploadSession.committed_size).where(UploadSession.id == upload.id)
            )
            if now_committed is not None and offset + len(data) <= now_committed:
                return now_committed  # another copy of this chunk got there first
            raise offset_mismatch(now_committed or 0, f"offset {offset} is not the committed size")

        return await self._db.run(commit)

    async def complete(self, principal: Principal, upload_id: str) -> Dataset:
        lock = self._completing.setdefault(upload_id, asyncio.Lock())
        try:
            async with lock:
                return await self._complete(principal, upload_id)
        finally:
            if not lock.locked():
                self._completing.pop(upload_id, None)

    async def _complete(self, principal: Principal, upload_id: str) -> Dataset:
        view = await self.get(principal, upload_id)
        upload = view.session
        if upload.state is UploadState.COMPLETED:
            if upload.dataset_id is None:  # the dataset it made was deleted since
                raise FailedPrecondition(
                    "the dataset this upload made has been deleted; start a new upload",
                    reason="UPLOAD_DATASET_DELETED",
                )
            return await self._datasets.get(principal, upload.dataset_id)
        if upload.committed_size < upload.total_size:
            raise offset_mismatch(
                upload.committed_size,
                f"only {upload.committed_size} of {upload.total_size} bytes are committed",
            )
        path = self._datasets.files.path(upload.temp_path)
        try:
            if upload.sha256 and await asyncio.to_thread(sha256_of, path) != upload.sha256:
                raise InvalidArgument.field(
                    "sha256", "the uploaded bytes have a different SHA-256", reason="UPLOAD_DIGEST_MISMATCH"
                )
            dataset = await self._datasets.ingest(
                upload.owner_id, view.spec, path, self._mark_completed(upload.id)
            )
        except InvalidArgument:
            await self._discard(upload.id)
            raise
        await asyncio.to_thread(remove, path)
        return dataset

    def _mark_completed(self, upload_id: str) -> OnStored:
        def mark(session: Session, dataset: Dataset) -> Dataset:
            upload = session.get(UploadSession, upload_id, with_for_update=True)
            if upload is None or upload.state is not UploadState.OPEN:
                existing = session.get(Dataset, upload.dataset_id) if upload and upload.dataset_id else None
                if existing is None:
                    raise NotFound("upload", upload_id)
                session.delete(dataset)
                return existing
            upload.state = UploadState.COMPLETED
            upload.dataset_id = dataset.id
            return dataset

        return mark

    async def _discard(self, upload_id: str) -> None:
        def delete(session: Session) -> str | None:
            upload = session.get(UploadSession, upload_id)
            if upload is None:
                return None
            session.delete(upload)
            return upload.temp_path

        relative = await self._db.run(delete)
        if relative:
            await asyncio.to_thread(remove, self._datasets.files.path(relative))

    async def sweep(self) -> int:
        """Delete expired sessions and their bytes; how many went."""
        now = self._now()

        def expired(session: Session) -> list[str]:
            found = session.scalars(
                sa.select(UploadSession).where(UploadSession.expires_at <= now).limit(SWEEP_BATCH)
            ).all()
            for upload in found:
                session.delete(upload)
            return [upload.temp_path for upload in found]

        paths = await self._db.run(expired)
        for relative in paths:
            await asyncio.to_thread(remove, self._datasets.files.path(relative))
        return len(paths)


def _write_at(path: os.PathLike[str], offset: int, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(descriptor, data, offset)
    finally:
        os.close(descriptor)
