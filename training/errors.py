"""Plain exceptions raised by the forecasting core; the server maps them to status codes."""

from __future__ import annotations


class TrainingError(Exception):
    """Base class of every error the forecasting core raises on purpose."""


class InvalidDataError(TrainingError, ValueError):
    """The data cannot be used as given (empty, wrong columns, non-positive for a log model...)."""


class IrregularFrequencyError(InvalidDataError):
    """Timestamps do not lie on an hourly, daily, weekly, monthly, quarterly or yearly grid."""


class InvalidHyperparameterError(TrainingError, ValueError):
    """A user-given hyperparameter is unknown, of the wrong kind or out of range.

    ``name`` holds the offending hyperparameter so the server can name the field.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"hyperparameter {name!r}: {message}")
        self.name = name


class InvalidRequestError(TrainingError, ValueError):
    """A prediction request is malformed: horizon, quantiles or packed layout."""


class TrainingCancelled(TrainingError):
    """The cancellation check returned True; training stopped between batches."""
