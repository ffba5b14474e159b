"""The closed sets of values the database stores, as string enums.

Each is stored by its value (lower-case text) in a VARCHAR(32) column, never as
a native database enum, so adding a member needs no migration on either
SQLite or PostgreSQL. They mirror the `quantis.v1` contract enums without the
`*_UNSPECIFIED` member; mapping between the two belongs to the servicers.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Frequency(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class DatasetFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class UploadState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    ABORTED = "aborted"
    EXPIRED = "expired"


class ModelType(StrEnum):
    LSTM = "lstm"
    TFT = "tft"
    SEASONAL_NAIVE = "seasonal_naive"
    AUTO_ETS = "auto_ets"
    AUTO_ARIMA = "auto_arima"


class ModelVersionState(StrEnum):
    READY = "ready"
    FAILED = "failed"
    ARCHIVED = "archived"


class JobState(StrEnum):
    """State of a training job or a batch prediction job."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PredictionSource(StrEnum):
    UNARY = "unary"
    STREAM = "stream"
    BATCH = "batch"


class TransactionType(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    PAYMENT = "payment"
    REFUND = "refund"
    FEE = "fee"
    REVERSAL = "reversal"


class TransactionStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    COMPLETED = "completed"
    REJECTED = "rejected"
    REVERSED = "reversed"
    FAILED = "failed"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class NotificationKind(StrEnum):
    TRAINING_JOB_FINISHED = "training_job_finished"
    BATCH_PREDICTION_FINISHED = "batch_prediction_finished"
    ALERT = "alert"


class AlertKind(StrEnum):
    DRIFT = "drift"
    ACCURACY_DEGRADED = "accuracy_degraded"
    ERROR_RATE = "error_rate"
    COMPONENT_UNHEALTHY = "component_unhealthy"


class AlertSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
