"""Uploaded datasets and the resumable upload sessions that create them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, IdMixin, TimestampsMixin, keyset_index, reference
from server.db.enums import DatasetFormat, Frequency, UploadState
from server.db.types import JSONType


class Dataset(IdMixin, TimestampsMixin, Base):
    """A validated time-series dataset, stored as Parquet in the object store.

    ``columns`` lists the stored columns in file order, each
    ``{"name": ..., "role": ..., "dtype": ...}``; the counts and the time range
    are computed once, at upload.
    """

    __tablename__ = "datasets"
    __table_args__ = (keyset_index("datasets"),)

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[DatasetFormat]
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    storage_path: Mapped[str] = mapped_column(sa.String(1024))
    """Location of the Parquet file, relative to the object store root."""
    row_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    series_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    min_series_length: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    max_series_length: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    frequency: Mapped[Frequency | None]
    start_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]
    missing_values: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)


class UploadSession(IdMixin, TimestampsMixin, Base):
    """A resumable upload in progress: bytes land in ``temp_path`` until
    ``committed_size`` reaches ``total_size`` and the upload is completed,
    which creates ``dataset_id``."""

    __tablename__ = "upload_sessions"
    __table_args__ = (
        keyset_index("upload_sessions"),
        sa.Index("ix_upload_sessions_state_expires_at", "state", "expires_at"),
        sa.CheckConstraint("committed_size >= 0 AND committed_size <= total_size", name="committed_size"),
    )

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    dataset_metadata: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """The DatasetMetadata the upload was started with (name, format, column roles...)."""
    total_size: Mapped[int] = mapped_column(sa.BigInteger)
    committed_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    temp_path: Mapped[str] = mapped_column(sa.String(1024))
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    """The digest the client announced; checked against the bytes at completion."""
    expires_at: Mapped[datetime]
    state: Mapped[UploadState] = mapped_column(default=UploadState.OPEN)
    dataset_id: Mapped[str | None] = reference("datasets.id", ondelete="SET NULL", nullable=True, index=True)
