"""Deleted users keep their row: users.deleted_at.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

DeleteUser removed the user's row, and the foreign keys that cascade from users took the
user's datasets, models and predictions with it, where the contract keeps them for admins.
A deleted user now stays as a row marked ``deleted_at``, without credentials, name or email
held against new accounts (see server.domain.users.UserService.delete_user).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
