"""One live reversal per transaction, not one reversal ever.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

transactions.reversal_of_id was unique, so a reversal rejected in review kept its
original from ever being reversed again. The unique constraint becomes a partial
unique index over reversals that are pending review or completed (see
server.db.models.finance.Transaction).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_REVERSAL = sa.text("status NOT IN ('rejected', 'failed')")


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_constraint("uq_transactions_reversal_of_id", type_="unique")
    op.create_index(
        "uq_transactions_reversal_of_id_live",
        "transactions",
        ["reversal_of_id"],
        unique=True,
        sqlite_where=LIVE_REVERSAL,
        postgresql_where=LIVE_REVERSAL,
    )


def downgrade() -> None:
    op.drop_index("uq_transactions_reversal_of_id_live", "transactions")
    with op.batch_alter_table("transactions") as batch:
        batch.create_unique_constraint("uq_transactions_reversal_of_id", ["reversal_of_id"])
