"""Quantis forecasting core: panels, deep and statistical forecasters, metrics, artifacts."""

from training.artifacts import load_artifact, save_artifact
from training.errors import (
    InvalidDataError,
    InvalidHyperparameterError,
    InvalidRequestError,
    IrregularFrequencyError,
    TrainingCancelled,
    TrainingError,
)
from training.models.base import Forecast, Forecaster
from training.panel import Panel
from training.progress import ProgressEvent
from training.registry import MODEL_TYPES, create_forecaster, validate_hyperparameters

__all__ = [
    "MODEL_TYPES",
    "Forecast",
    "Forecaster",
    "InvalidDataError",
    "InvalidHyperparameterError",
    "InvalidRequestError",
    "IrregularFrequencyError",
    "Panel",
    "ProgressEvent",
    "TrainingCancelled",
    "TrainingError",
    "create_forecaster",
    "load_artifact",
    "save_artifact",
    "validate_hyperparameters",
]
