"""The transaction ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship, remote

from server.db.base import Base, IdMixin, TimestampsMixin, keyset_index, reference
from server.db.enums import RiskLevel, TransactionStatus, TransactionType
from server.db.types import JSONType

DEAD_STATUSES = (TransactionStatus.REJECTED, TransactionStatus.FAILED)
"""A reversal in one of these did not happen: its original may be reversed again."""
LIVE_REVERSAL = sa.text(f"status NOT IN ({', '.join(repr(status.value) for status in DEAD_STATUSES)})")


class Transaction(IdMixin, TimestampsMixin, Base):
    """A ledger entry. Amounts are exact: an integer count of the currency's
    minor units (cents for USD, yen for JPY, fils for BHD), never a float.

    ``(owner_id, idempotency_key)`` is unique; ``request_fingerprint`` is a hash
    of the request body, so a retry with the same key can be told apart from a
    different request reusing it. Entries are never edited in substance: a
    correction is a new REVERSAL entry whose ``reversal_of_id`` names the
    original. At most one reversal per original is live (pending review or
    completed): a partial unique index, so two reversals racing cannot both be
    recorded, while a rejected reversal keeps naming its original and leaves it
    free to be reversed again. Owners and deciders cannot be deleted while their
    entries exist (deactivate them instead).
    """

    __tablename__ = "transactions"
    __table_args__ = (
        keyset_index("transactions"),
        sa.UniqueConstraint("owner_id", "idempotency_key"),
        sa.Index(
            "uq_transactions_reversal_of_id_live",
            "reversal_of_id",
            unique=True,
            sqlite_where=LIVE_REVERSAL,
            postgresql_where=LIVE_REVERSAL,
        ),
        sa.Index("ix_transactions_status_created_at", "status", "created_at"),
        sa.Index("ix_transactions_owner_id_counterparty_account", "owner_id", "counterparty_account"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("length(currency) = 3", name="currency_code"),
        sa.CheckConstraint("risk_score >= 0", name="risk_score"),
        sa.CheckConstraint(
            "(type = 'reversal' AND reversal_of_id IS NOT NULL)"
            " OR (type <> 'reversal' AND reversal_of_id IS NULL)",
            name="reversal_has_original",
        ),
    )

    owner_id: Mapped[str] = reference("users.id", ondelete="RESTRICT")
    idempotency_key: Mapped[str] = mapped_column(sa.String(128))
    request_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 alphabetic code, upper case ("USD")."""
    type: Mapped[TransactionType]
    status: Mapped[TransactionStatus]
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    counterparty_name: Mapped[str] = mapped_column(sa.String(200), default="")
    counterparty_account: Mapped[str] = mapped_column(sa.String(100), default="")
    counterparty_country: Mapped[str] = mapped_column(sa.String(2), default="")
    """ISO 3166-1 alpha-2 code; empty when unknown."""
    risk_score: Mapped[int] = mapped_column(default=0)
    risk_level: Mapped[RiskLevel]
    risk_factors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """The rules that scored: [{"rule": ..., "points": ..., "detail": ...}]."""
    aml_flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """[{"kind": ..., "detail": ..., "related_transaction_ids": [...]}]."""
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSONType, default=dict)
    """Caller-defined key-value pairs (``metadata`` is reserved by SQLAlchemy)."""
    reversal_of_id: Mapped[str | None] = reference("transactions.id", ondelete="RESTRICT", nullable=True)
    decided_by: Mapped[str | None] = reference("users.id", ondelete="RESTRICT", nullable=True, index=True)
    decision_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_at: Mapped[datetime | None]

    reversed_by: Mapped[Transaction | None] = relationship(
        primaryjoin=lambda: sa.and_(
            Transaction.id == remote(foreign(Transaction.reversal_of_id)),
            remote(Transaction.status).not_in(DEAD_STATUSES),
        ),
        viewonly=True,
    )
    """The live reversal of this entry, if any (one rejected in review does not count)."""
