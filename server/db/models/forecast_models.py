"""Forecasting models, their trained versions, deployments and training jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.base import ID_LENGTH, Base, IdMixin, TimestampsMixin, keyset_index, reference
from server.db.enums import Frequency, JobState, ModelType, ModelVersionState
from server.db.types import JSONType


class Model(IdMixin, TimestampsMixin, Base):
    """A model definition: architecture, target and horizon, hyperparameters.

    ``default_version_id`` is the version that answers when no traffic split is
    set. Its foreign key is added after ``model_versions`` exists (the two
    tables refer to each other) and is set to NULL if that version goes.
    """

    __tablename__ = "models"
    __table_args__ = (keyset_index("models"),)

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    model_type: Mapped[ModelType]
    dataset_id: Mapped[str | None] = reference("datasets.id", ondelete="SET NULL", nullable=True, index=True)
    """The dataset it trains on; NULL once that dataset is deleted (versions keep working)."""
    target_column: Mapped[str] = mapped_column(sa.String(200))
    horizon: Mapped[int]
    frequency: Mapped[Frequency | None]
    quantiles: Mapped[list[float]] = mapped_column(JSONType, default=list)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    default_version_id: Mapped[str | None] = mapped_column(
        sa.String(ID_LENGTH),
        sa.ForeignKey("model_versions.id", ondelete="SET NULL", use_alter=True),
        index=True,
    )

    versions: Mapped[list[ModelVersion]] = relationship(
        back_populates="model",
        foreign_keys="ModelVersion.model_id",
        order_by="ModelVersion.number",
        passive_deletes=True,
        cascade="all, delete-orphan",
    )


class TrainingJob(IdMixin, TimestampsMixin, Base):
    """One training run, queued until a worker claims it.

    ``config`` holds what was asked (hyperparameters, seed, max epochs,
    validation windows, search); ``progress`` the latest report (epoch, losses,
    metrics, eta). A worker refreshes ``heartbeat_at``; a stale heartbeat on a
    RUNNING job means the worker died. The version a successful job produced is
    ``version`` (model_versions.training_job_id), kept in one place only.
    """

    __tablename__ = "training_jobs"
    __table_args__ = (
        keyset_index("training_jobs"),
        sa.Index("ix_training_jobs_model_id_created_at", "model_id", "created_at"),
        sa.Index("ix_training_jobs_state_created_at", "state", "created_at"),
    )

    model_id: Mapped[str] = reference("models.id", ondelete="CASCADE")
    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    state: Mapped[JobState] = mapped_column(default=JobState.QUEUED)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error_message: Mapped[str] = mapped_column(sa.Text, default="")
    worker: Mapped[str] = mapped_column(sa.String(255), default="")
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]

    version: Mapped[ModelVersion | None] = relationship(back_populates="training_job")


class ModelVersion(IdMixin, TimestampsMixin, Base):
    """A trained version: numbered 1, 2, ... within its model, with its metrics
    and where its artifact directory and TorchServe archive live."""

    __tablename__ = "model_versions"
    __table_args__ = (
        sa.UniqueConstraint("model_id", "number"),
        # Target of the composite foreign keys that tie a version to its model.
        sa.UniqueConstraint("model_id", "id"),
    )

    model_id: Mapped[str] = reference("models.id", ondelete="CASCADE")
    number: Mapped[int]
    state: Mapped[ModelVersionState] = mapped_column(default=ModelVersionState.READY)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """Metrics on the validation window (mae, rmse, smape, mase, coverage_80, points)."""
    backtest_metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    artifact_path: Mapped[str] = mapped_column(sa.String(1024))
    mar_path: Mapped[str | None] = mapped_column(sa.String(1024))
    training_job_id: Mapped[str | None] = reference(
        "training_jobs.id", ondelete="SET NULL", nullable=True, unique=True
    )
    data_start: Mapped[datetime | None]
    data_end: Mapped[datetime | None]
    validation_start: Mapped[datetime | None]
    validation_end: Mapped[datetime | None]
    parameter_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    training_seconds: Mapped[float] = mapped_column(sa.Double, default=0.0)

    model: Mapped[Model] = relationship(back_populates="versions", foreign_keys=[model_id])
    training_job: Mapped[TrainingJob | None] = relationship(back_populates="version")


class Deployment(IdMixin, TimestampsMixin, Base):
    """One row of a model's traffic split: this version takes ``percent`` of the
    requests that do not pin a version. The rows of a model sum to 100."""

    __tablename__ = "deployments"
    __table_args__ = (
        sa.UniqueConstraint("model_id", "version_id"),
        sa.ForeignKeyConstraint(
            ["model_id", "version_id"],
            ["model_versions.model_id", "model_versions.id"],
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent"),
    )

    model_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH))
    version_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), index=True)
    percent: Mapped[int]
    updated_by: Mapped[str | None] = reference("users.id", ondelete="SET NULL", nullable=True, index=True)
