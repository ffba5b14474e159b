"""Prediction history, the actuals observed afterwards, and batch prediction jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import ID_LENGTH, Base, CreatedAtMixin, IdMixin, TimestampsMixin, keyset_index, reference
from server.db.enums import DatasetFormat, JobState, PredictionSource
from server.db.types import JSONType

_VERSION_OF_MODEL = ["model_versions.model_id", "model_versions.id"]

# The longest series id the history stores (PostgreSQL refuses a longer one; SQLite would not).
SERIES_ID_LENGTH = 256


class PredictionFailure(IdMixin, CreatedAtMixin, Base):
    """A Predict call or StreamPredict message that failed once its model version was chosen,
    whatever the status: GetPredictionStats counts them (error_count). ``reason`` is the error's
    stable reason (such as FIELD_INVALID or UNAVAILABLE)."""

    __tablename__ = "prediction_failures"
    __table_args__ = (
        sa.ForeignKeyConstraint(["model_id", "version_id"], _VERSION_OF_MODEL, ondelete="CASCADE"),
        sa.Index("ix_prediction_failures_model_id_created_at", "model_id", "created_at"),
    )

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE", index=True)
    model_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH))
    version_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH))
    source: Mapped[PredictionSource]
    reason: Mapped[str] = mapped_column(sa.String(64))


class Prediction(IdMixin, CreatedAtMixin, Base):
    """One forecast for one series, recorded after it was served.

    The forecast is kept either as JSON (``forecast``: points with quantiles)
    or packed (``forecast_blob``: an .npy array), whichever the writer chose.
    The input is described (length, statistics, a sample) for drift detection
    and live accuracy either in ``input_summary`` (JSON) or packed
    (``input_blob``, see server.domain.prediction.blobs.pack_summaries), with
    ``input_summary`` then holding only the request the series was served in.
    (model_id, version_id) must name a version of that model.
    """

    __tablename__ = "predictions"
    __table_args__ = (
        keyset_index("predictions"),
        sa.ForeignKeyConstraint(["model_id", "version_id"], _VERSION_OF_MODEL, ondelete="CASCADE"),
        sa.Index("ix_predictions_model_id_created_at", "model_id", "created_at"),
        sa.Index("ix_predictions_version_id_created_at", "version_id", "created_at"),
    )

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    model_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH))
    version_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH))
    series_id: Mapped[str] = mapped_column(sa.String(SERIES_ID_LENGTH), default="")
    horizon: Mapped[int]
    quantiles: Mapped[list[float]] = mapped_column(JSONType, default=list)
    forecast: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    forecast_blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    source: Mapped[PredictionSource]
    latency_ms: Mapped[float] = mapped_column(sa.Double, default=0.0)
    input_summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    input_blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    actuals: Mapped[list[Actual]] = relationship(
        back_populates="prediction",
        order_by="Actual.step",
        passive_deletes=True,
        cascade="all, delete-orphan",
    )


class Actual(IdMixin, CreatedAtMixin, Base):
    """The observed value for one step of a prediction's horizon (step 1 is the first)."""

    __tablename__ = "actuals"
    __table_args__ = (
        sa.UniqueConstraint("prediction_id", "step"),
        sa.CheckConstraint("step >= 1", name="step"),
    )

    prediction_id: Mapped[str] = reference("predictions.id", ondelete="CASCADE")
    step: Mapped[int]
    timestamp: Mapped[datetime | None]
    value: Mapped[float] = mapped_column(sa.Double)

    prediction: Mapped[Prediction] = relationship(back_populates="actuals")


class BatchJob(IdMixin, TimestampsMixin, Base):
    """A batch prediction over a stored dataset. ``series_done`` is also the
    resume offset: that many series are already written to ``output_path``."""

    __tablename__ = "batch_jobs"
    __table_args__ = (
        keyset_index("batch_jobs"),
        sa.ForeignKeyConstraint(["model_id", "version_id"], _VERSION_OF_MODEL, ondelete="CASCADE"),
        sa.Index("ix_batch_jobs_state_created_at", "state", "created_at"),
        sa.CheckConstraint("series_done >= 0 AND series_done <= series_total", name="series_done"),
    )

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    model_id: Mapped[str] = reference("models.id", ondelete="CASCADE", index=True)
    version_id: Mapped[str | None] = mapped_column(sa.String(ID_LENGTH), index=True)
    """The version answering; set when the job starts and kept across resumes."""
    dataset_id: Mapped[str | None] = reference("datasets.id", ondelete="SET NULL", nullable=True, index=True)
    state: Mapped[JobState] = mapped_column(default=JobState.QUEUED)
    horizon: Mapped[int]
    quantiles: Mapped[list[float]] = mapped_column(JSONType, default=list)
    series_done: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    series_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    chunk_size: Mapped[int]
    output_path: Mapped[str] = mapped_column(sa.String(1024), default="")
    output_format: Mapped[DatasetFormat] = mapped_column(default=DatasetFormat.PARQUET)
    error_message: Mapped[str] = mapped_column(sa.Text, default="")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
