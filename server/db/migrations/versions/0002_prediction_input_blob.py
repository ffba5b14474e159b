"""Prediction input summaries stored packed: predictions.input_blob.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

The history writer stores each series' input summary as bytes (see
server.domain.prediction.blobs.pack_summaries) instead of JSON in input_summary,
which keeps only the request the series was served in. Rows written before keep
their JSON summary; readers take whichever a row has.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("predictions", sa.Column("input_blob", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("input_blob")
