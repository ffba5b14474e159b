"""Failed predictions, counted: prediction_failures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

GetPredictionStats reported error_count 0 whatever happened: nothing recorded a Predict call
or StreamPredict message that failed. One row per failure, once its model version was chosen
(see server.db.models.predictions.PredictionFailure).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prediction_failures",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("model_id", sa.String(36), nullable=False),
        sa.Column("version_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prediction_failures"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_prediction_failures_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["model_id", "version_id"],
            ["model_versions.model_id", "model_versions.id"],
            name="fk_prediction_failures_model_id_version_id_model_versions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_prediction_failures_owner_id", "prediction_failures", ["owner_id"])
    op.create_index(
        "ix_prediction_failures_model_id_created_at", "prediction_failures", ["model_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("prediction_failures")
