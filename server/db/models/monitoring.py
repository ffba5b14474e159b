"""Audit records, user notifications and operational alerts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import ID_LENGTH, Base, CreatedAtMixin, IdMixin, TimestampsMixin, keyset_index, reference
from server.db.enums import AlertKind, AlertSeverity, AlertState, AuditOutcome, NotificationKind
from server.db.types import JSONType


class AuditLog(IdMixin, CreatedAtMixin, Base):
    """Who did what to which resource, and how it ended. Append-only.

    ``user_id`` is deliberately not a foreign key: the record outlives the
    account, and a failed login may name no account at all. ``username`` is
    copied for the same reason. Secrets never go into ``details``.
    """

    __tablename__ = "audit_logs"
    __table_args__ = (
        sa.Index("ix_audit_logs_created_at_id", "created_at", "id"),
        sa.Index("ix_audit_logs_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_audit_logs_action_created_at", "action", "created_at"),
        sa.Index(
            "ix_audit_logs_resource_type_resource_id_created_at", "resource_type", "resource_id", "created_at"
        ),
    )

    user_id: Mapped[str | None] = mapped_column(sa.String(ID_LENGTH))
    username: Mapped[str] = mapped_column(sa.String(50), default="")
    action: Mapped[str] = mapped_column(sa.String(255))
    """The full RPC method name, such as "/quantis.v1.ModelService/DeployModelVersion"."""
    resource_type: Mapped[str] = mapped_column(sa.String(64), default="")
    resource_id: Mapped[str] = mapped_column(sa.String(255), default="")
    outcome: Mapped[AuditOutcome]
    status_code: Mapped[int] = mapped_column(default=0)
    """The google.rpc.Code the call ended with (0 is OK)."""
    peer: Mapped[str] = mapped_column(sa.String(255), default="")
    trace_id: Mapped[str] = mapped_column(sa.String(32), default="")
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)


class Notification(IdMixin, CreatedAtMixin, Base):
    """A message for one user, such as "training job finished"."""

    __tablename__ = "notifications"
    __table_args__ = (keyset_index("notifications"),)

    owner_id: Mapped[str] = reference("users.id", ondelete="CASCADE")
    kind: Mapped[NotificationKind]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    resource_type: Mapped[str] = mapped_column(sa.String(64), default="")
    resource_id: Mapped[str] = mapped_column(sa.String(255), default="")
    read_at: Mapped[datetime | None]


OPEN_ALERT = sa.text("state <> 'resolved'")
"""The predicate of the partial unique index on dedup_key. An upsert names the
same predicate: INSERT ... ON CONFLICT (dedup_key) WHERE state <> 'resolved'
DO UPDATE ..., which PostgreSQL and SQLite (3.24+) both accept."""


class Alert(IdMixin, TimestampsMixin, Base):
    """A condition that needs attention: open, then acknowledged, then resolved.

    At most one alert per ``dedup_key`` is not resolved (open or acknowledged):
    a partial unique index, which PostgreSQL and SQLite both enforce, so a
    second firing of the same condition, even from another replica at the same
    moment, cannot create a duplicate. It updates the existing alert
    (``occurrences``, ``value``) instead. Once resolved, the key is free again.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        sa.Index(
            "uq_alerts_dedup_key_unresolved",
            "dedup_key",
            unique=True,
            sqlite_where=OPEN_ALERT,
            postgresql_where=OPEN_ALERT,
        ),
        sa.Index("ix_alerts_state_created_at", "state", "created_at"),
        sa.CheckConstraint("occurrences >= 1", name="occurrences"),
    )

    kind: Mapped[AlertKind]
    severity: Mapped[AlertSeverity]
    state: Mapped[AlertState] = mapped_column(default=AlertState.OPEN)
    title: Mapped[str] = mapped_column(sa.String(200))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    model_id: Mapped[str | None] = reference("models.id", ondelete="CASCADE", nullable=True, index=True)
    version_id: Mapped[str | None] = reference(
        "model_versions.id", ondelete="CASCADE", nullable=True, index=True
    )
    component: Mapped[str] = mapped_column(sa.String(255), default="")
    value: Mapped[float] = mapped_column(sa.Double, default=0.0)
    threshold: Mapped[float] = mapped_column(sa.Double, default=0.0)
    dedup_key: Mapped[str] = mapped_column(sa.String(255))
    occurrences: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    acknowledged_by: Mapped[str | None] = reference(
        "users.id", ondelete="SET NULL", nullable=True, index=True
    )
    acknowledged_at: Mapped[datetime | None]
    acknowledge_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    resolved_at: Mapped[datetime | None]
