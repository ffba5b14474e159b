"""Progress events a training run emits each epoch, and the callback types the server passes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProgressEvent:
    """One finished epoch. ``epoch`` counts from 1 across all ensemble members.

    ``total_epochs`` is the most epochs the run can take (early stopping may end it
    sooner); ``eta_seconds`` extrapolates the mean epoch time to that bound.
    """

    epoch: int
    total_epochs: int
    train_loss: float
    val_loss: float | None
    metrics: dict[str, float] = field(default_factory=dict)
    eta_seconds: float = 0.0


ProgressCallback = Callable[[ProgressEvent], None]
CancelCheck = Callable[[], bool]


def never_cancel() -> bool:
    return False


def ignore_progress(event: ProgressEvent) -> None:
    del event
