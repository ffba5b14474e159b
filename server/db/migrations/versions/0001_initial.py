"""Initial schema: accounts, datasets, models, predictions, ledger, monitoring.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written out in full rather than importing the models, so it keeps creating this
exact schema whatever the models later become. Enum columns are VARCHAR(32)
(the allowed values live in code); JSON is JSONB on PostgreSQL. ``models`` and
``model_versions`` refer to each other, so the models -> default version key is
added once both exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OPEN_ALERT = sa.text("state <> 'resolved'")


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.String(36), nullable=False)


def _ref(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(36), nullable=nullable)


def _enum(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(32), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, JSON, nullable=nullable)


def _time(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name: str, length: int) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length), nullable=False)


def _text(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=False)


def _int(name: str, *, big: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger() if big else sa.Integer(), nullable=False)


def _created() -> sa.Column[Any]:
    return _time("created_at", nullable=False)


def _timestamps() -> list[sa.Column[Any]]:
    return [_time("created_at", nullable=False), _time("updated_at", nullable=False)]


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _fk(table: str, columns: list[str], target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    """A foreign key named by the models' convention; ``target`` is "table" or "table(col, ...)"."""
    target_table, _, target_columns = target.partition("(")
    remote = [c.strip() for c in target_columns.rstrip(")").split(",")] if target_columns else ["id"]
    return sa.ForeignKeyConstraint(
        columns,
        [f"{target_table}.{c}" for c in remote],
        name=f"fk_{table}_{'_'.join(columns)}_{target_table}",
        ondelete=ondelete,
    )


def _uq(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=f"uq_{table}_{'_'.join(columns)}")


def _ck(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=f"ck_{table}_{name}")


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def _create_accounts() -> None:
    op.create_table(
        "users",
        _id(),
        _str("username", 50),
        _str("username_key", 50),
        _str("email", 320),
        _str("email_key", 320),
        _str("password_hash", 255),
        _enum("role"),
        sa.Column("active", sa.Boolean(), nullable=False),
        _int("failed_login_count"),
        _time("locked_until"),
        sa.Column("mfa_secret", sa.String(255), nullable=True),
        sa.Column("mfa_enabled", sa.Boolean(), nullable=False),
        sa.Column("mfa_last_step", sa.BigInteger(), nullable=True),
        _time("last_login_at"),
        *_timestamps(),
        _pk("users"),
        _uq("users", "username_key"),
        _uq("users", "email_key"),
    )
    op.create_table(
        "api_keys",
        _id(),
        _ref("owner_id"),
        _str("name", 100),
        _str("prefix", 32),
        _str("key_hash", 128),
        _json("scopes"),
        _time("expires_at"),
        _time("last_used_at"),
        _time("revoked_at"),
        _created(),
        _pk("api_keys"),
        _fk("api_keys", ["owner_id"], "users", "CASCADE"),
        _uq("api_keys", "key_hash"),
    )
    _index("api_keys", "owner_id", "created_at", "id")
    op.create_table(
        "sessions",
        _id(),
        _ref("user_id"),
        _time("last_used_at"),
        _str("peer", 255),
        _str("user_agent", 512),
        _time("expires_at", nullable=False),
        _time("revoked_at"),
        _created(),
        _pk("sessions"),
        _fk("sessions", ["user_id"], "users", "CASCADE"),
    )
    _index("sessions", "user_id", "created_at", "id")
    op.create_table(
        "refresh_tokens",
        _id(),
        _ref("session_id"),
        _str("family_id", 36),
        _str("token_hash", 128),
        _time("expires_at", nullable=False),
        _time("used_at"),
        _time("revoked_at"),
        _ref("replaced_by_id", nullable=True),
        _created(),
        _pk("refresh_tokens"),
        _fk("refresh_tokens", ["session_id"], "sessions", "CASCADE"),
        _fk("refresh_tokens", ["replaced_by_id"], "refresh_tokens", "SET NULL"),
        _uq("refresh_tokens", "token_hash"),
    )
    _index("refresh_tokens", "session_id")
    _index("refresh_tokens", "family_id")
    _index("refresh_tokens", "replaced_by_id")


def _create_datasets() -> None:
    op.create_table(
        "datasets",
        _id(),
        _ref("owner_id"),
        _str("name", 200),
        _text("description"),
        _enum("format"),
        _json("columns"),
        _str("storage_path", 1024),
        _int("row_count", big=True),
        _int("series_count", big=True),
        _int("min_series_length", big=True),
        _int("max_series_length", big=True),
        _enum("frequency", nullable=True),
        _time("start_at"),
        _time("end_at"),
        _int("missing_values", big=True),
        _int("size_bytes", big=True),
        _str("sha256", 64),
        _json("labels"),
        *_timestamps(),
        _pk("datasets"),
        _fk("datasets", ["owner_id"], "users", "CASCADE"),
    )
    _index("datasets", "owner_id", "created_at", "id")
    op.create_table(
        "upload_sessions",
        _id(),
        _ref("owner_id"),
        _json("dataset_metadata"),
        _int("total_size", big=True),
        _int("committed_size", big=True),
        _str("temp_path", 1024),
        _str("sha256", 64),
        _time("expires_at", nullable=False),
        _enum("state"),
        _ref("dataset_id", nullable=True),
        *_timestamps(),
        _pk("upload_sessions"),
        _fk("upload_sessions", ["owner_id"], "users", "CASCADE"),
        _fk("upload_sessions", ["dataset_id"], "datasets", "SET NULL"),
        _ck("upload_sessions", "committed_size", "committed_size >= 0 AND committed_size <= total_size"),
    )
    _index("upload_sessions", "owner_id", "created_at", "id")
    _index("upload_sessions", "state", "expires_at")
    _index("upload_sessions", "dataset_id")


def _create_models() -> None:
    op.create_table(
        "models",
        _id(),
        _ref("owner_id"),
        _str("name", 200),
        _text("description"),
        _enum("model_type"),
        _ref("dataset_id", nullable=True),
        _str("target_column", 200),
        _int("horizon"),
        _enum("frequency", nullable=True),
        _json("quantiles"),
        _json("hyperparameters"),
        _json("labels"),
        _ref("default_version_id", nullable=True),
        *_timestamps(),
        _pk("models"),
        _fk("models", ["owner_id"], "users", "CASCADE"),
        _fk("models", ["dataset_id"], "datasets", "SET NULL"),
    )
    _index("models", "owner_id", "created_at", "id")
    _index("models", "dataset_id")
    _index("models", "default_version_id")
    op.create_table(
        "training_jobs",
        _id(),
        _ref("model_id"),
        _ref("owner_id"),
        _enum("state"),
        _json("config"),
        _json("progress"),
        _text("error_message"),
        _str("worker", 255),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        _time("started_at"),
        _time("finished_at"),
        _time("heartbeat_at"),
        *_timestamps(),
        _pk("training_jobs"),
        _fk("training_jobs", ["model_id"], "models", "CASCADE"),
        _fk("training_jobs", ["owner_id"], "users", "CASCADE"),
    )
    _index("training_jobs", "owner_id", "created_at", "id")
    _index("training_jobs", "model_id", "created_at")
    _index("training_jobs", "state", "created_at")
    op.create_table(
        "model_versions",
        _id(),
        _ref("model_id"),
        _int("number"),
        _enum("state"),
        _json("metrics"),
        _json("backtest_metrics"),
        _json("hyperparameters"),
        _str("artifact_path", 1024),
        sa.Column("mar_path", sa.String(1024), nullable=True),
        _ref("training_job_id", nullable=True),
        _time("data_start"),
        _time("data_end"),
        _time("validation_start"),
        _time("validation_end"),
        _int("parameter_count", big=True),
        sa.Column("training_seconds", sa.Double(), nullable=False),
        *_timestamps(),
        _pk("model_versions"),
        _fk("model_versions", ["model_id"], "models", "CASCADE"),
        _fk("model_versions", ["training_job_id"], "training_jobs", "SET NULL"),
        _uq("model_versions", "model_id", "number"),
        _uq("model_versions", "model_id", "id"),
        _uq("model_versions", "training_job_id"),
    )
    with op.batch_alter_table("models") as batch:
        batch.create_foreign_key(
            "fk_models_default_version_id_model_versions",
            "model_versions",
            ["default_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "deployments",
        _id(),
        _ref("model_id"),
        _ref("version_id"),
        _int("percent"),
        _ref("updated_by", nullable=True),
        *_timestamps(),
        _pk("deployments"),
        _fk("deployments", ["model_id", "version_id"], "model_versions(model_id, id)", "CASCADE"),
        _fk("deployments", ["updated_by"], "users", "SET NULL"),
        _uq("deployments", "model_id", "version_id"),
        _ck("deployments", "percent", "percent >= 0 AND percent <= 100"),
    )
    _index("deployments", "version_id")
    _index("deployments", "updated_by")


def _create_predictions() -> None:
    op.create_table(
        "predictions",
        _id(),
        _ref("owner_id"),
        _ref("model_id"),
        _ref("version_id"),
        _str("series_id", 256),
        _int("horizon"),
        _json("quantiles"),
        _json("forecast", nullable=True),
        sa.Column("forecast_blob", sa.LargeBinary(), nullable=True),
        _enum("source"),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        _json("input_summary"),
        _created(),
        _pk("predictions"),
        _fk("predictions", ["owner_id"], "users", "CASCADE"),
        _fk("predictions", ["model_id", "version_id"], "model_versions(model_id, id)", "CASCADE"),
    )
    _index("predictions", "owner_id", "created_at", "id")
    _index("predictions", "model_id", "created_at")
    _index("predictions", "version_id", "created_at")
    op.create_table(
        "actuals",
        _id(),
        _ref("prediction_id"),
        _int("step"),
        _time("timestamp"),
        sa.Column("value", sa.Double(), nullable=False),
        _created(),
        _pk("actuals"),
        _fk("actuals", ["prediction_id"], "predictions", "CASCADE"),
        _uq("actuals", "prediction_id", "step"),
        _ck("actuals", "step", "step >= 1"),
    )
    op.create_table(
        "batch_jobs",
        _id(),
        _ref("owner_id"),
        _ref("model_id"),
        _ref("version_id", nullable=True),
        _ref("dataset_id", nullable=True),
        _enum("state"),
        _int("horizon"),
        _json("quantiles"),
        _int("series_done", big=True),
        _int("series_total", big=True),
        _int("chunk_size"),
        _str("output_path", 1024),
        _enum("output_format"),
        _text("error_message"),
        _time("started_at"),
        _time("finished_at"),
        _time("heartbeat_at"),
        *_timestamps(),
        _pk("batch_jobs"),
        _fk("batch_jobs", ["owner_id"], "users", "CASCADE"),
        _fk("batch_jobs", ["model_id"], "models", "CASCADE"),
        _fk("batch_jobs", ["model_id", "version_id"], "model_versions(model_id, id)", "CASCADE"),
        _fk("batch_jobs", ["dataset_id"], "datasets", "SET NULL"),
        _ck("batch_jobs", "series_done", "series_done >= 0 AND series_done <= series_total"),
    )
    _index("batch_jobs", "owner_id", "created_at", "id")
    _index("batch_jobs", "state", "created_at")
    _index("batch_jobs", "model_id")
    _index("batch_jobs", "version_id")
    _index("batch_jobs", "dataset_id")


def _create_transactions() -> None:
    op.create_table(
        "transactions",
        _id(),
        _ref("owner_id"),
        _str("idempotency_key", 128),
        _str("request_fingerprint", 64),
        _int("amount_minor", big=True),
        _str("currency", 3),
        _enum("type"),
        _enum("status"),
        _str("description", 500),
        _str("counterparty_name", 200),
        _str("counterparty_account", 100),
        _str("counterparty_country", 2),
        _int("risk_score"),
        _enum("risk_level"),
        _json("risk_factors"),
        _json("aml_flags"),
        _json("metadata"),
        _ref("reversal_of_id", nullable=True),
        _ref("decided_by", nullable=True),
        _str("decision_note", 1000),
        _time("decided_at"),
        *_timestamps(),
        _pk("transactions"),
        _fk("transactions", ["owner_id"], "users", "RESTRICT"),
        _fk("transactions", ["reversal_of_id"], "transactions", "RESTRICT"),
        _fk("transactions", ["decided_by"], "users", "RESTRICT"),
        _uq("transactions", "owner_id", "idempotency_key"),
        _uq("transactions", "reversal_of_id"),
        _ck("transactions", "amount_positive", "amount_minor > 0"),
        _ck("transactions", "currency_code", "length(currency) = 3"),
        _ck("transactions", "risk_score", "risk_score >= 0"),
        _ck(
            "transactions",
            "reversal_has_original",
            "(type = 'reversal' AND reversal_of_id IS NOT NULL)"
            " OR (type <> 'reversal' AND reversal_of_id IS NULL)",
        ),
    )
    _index("transactions", "owner_id", "created_at", "id")
    _index("transactions", "status", "created_at")
    _index("transactions", "owner_id", "counterparty_account")
    _index("transactions", "decided_by")


def _create_monitoring() -> None:
    op.create_table(
        "audit_logs",
        _id(),
        _ref("user_id", nullable=True),
        _str("username", 50),
        _str("action", 255),
        _str("resource_type", 64),
        _str("resource_id", 255),
        _enum("outcome"),
        _int("status_code"),
        _str("peer", 255),
        _str("trace_id", 32),
        _str("request_id", 64),
        _json("details"),
        _created(),
        _pk("audit_logs"),
    )
    _index("audit_logs", "created_at", "id")
    _index("audit_logs", "user_id", "created_at")
    _index("audit_logs", "action", "created_at")
    _index("audit_logs", "resource_type", "resource_id", "created_at")
    op.create_table(
        "notifications",
        _id(),
        _ref("owner_id"),
        _enum("kind"),
        _str("title", 200),
        _text("body"),
        _str("resource_type", 64),
        _str("resource_id", 255),
        _time("read_at"),
        _created(),
        _pk("notifications"),
        _fk("notifications", ["owner_id"], "users", "CASCADE"),
    )
    _index("notifications", "owner_id", "created_at", "id")
    op.create_table(
        "alerts",
        _id(),
        _enum("kind"),
        _enum("severity"),
        _enum("state"),
        _str("title", 200),
        _text("message"),
        _ref("model_id", nullable=True),
        _ref("version_id", nullable=True),
        _str("component", 255),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        _str("dedup_key", 255),
        _int("occurrences", big=True),
        _ref("acknowledged_by", nullable=True),
        _time("acknowledged_at"),
        _str("acknowledge_note", 1000),
        _time("resolved_at"),
        *_timestamps(),
        _pk("alerts"),
        _fk("alerts", ["model_id"], "models", "CASCADE"),
        _fk("alerts", ["version_id"], "model_versions", "CASCADE"),
        _fk("alerts", ["acknowledged_by"], "users", "SET NULL"),
        _ck("alerts", "occurrences", "occurrences >= 1"),
    )
    # At most one unresolved alert per dedup key (see server.db.models.monitoring.Alert).
    op.create_index(
        "uq_alerts_dedup_key_unresolved",
        "alerts",
        ["dedup_key"],
        unique=True,
        sqlite_where=OPEN_ALERT,
        postgresql_where=OPEN_ALERT,
    )
    _index("alerts", "state", "created_at")
    _index("alerts", "model_id")
    _index("alerts", "version_id")
    _index("alerts", "acknowledged_by")


def upgrade() -> None:
    _create_accounts()
    _create_datasets()
    _create_models()
    _create_predictions()
    _create_transactions()
    _create_monitoring()


def downgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.drop_constraint("fk_models_default_version_id_model_versions", type_="foreignkey")
    for table in (
        "alerts",
        "notifications",
        "audit_logs",
        "transactions",
        "batch_jobs",
        "actuals",
        "predictions",
        "deployments",
        "model_versions",
        "training_jobs",
        "models",
        "upload_sessions",
        "datasets",
        "refresh_tokens",
        "sessions",
        "api_keys",
        "users",
    ):
        op.drop_table(table)
