"""Every mapped table. Importing this package registers them all on `Base.metadata`."""

from server.db.models.accounts import ApiKey, RefreshToken, User, UserSession
from server.db.models.datasets import Dataset, UploadSession
from server.db.models.finance import Transaction
from server.db.models.forecast_models import Deployment, Model, ModelVersion, TrainingJob
from server.db.models.monitoring import Alert, AuditLog, Notification
from server.db.models.predictions import Actual, BatchJob, Prediction, PredictionFailure

__all__ = [
    "Actual",
    "Alert",
    "ApiKey",
    "AuditLog",
    "BatchJob",
    "Dataset",
    "Deployment",
    "Model",
    "ModelVersion",
    "Notification",
    "Prediction",
    "PredictionFailure",
    "RefreshToken",
    "TrainingJob",
    "Transaction",
    "UploadSession",
    "User",
    "UserSession",
]
