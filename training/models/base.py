"""The one interface every model type implements, and the forecast it returns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from training.errors import InvalidRequestError
from training.frequency import DatetimeArray
from training.panel import Panel
from training.progress import CancelCheck, ProgressCallback

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Forecast:
    """Forecasts for a panel: ``point`` (n, h), ``quantiles`` (n, h, len(levels))."""

    series_ids: tuple[str, ...]
    timestamps: DatetimeArray
    point: F32
    quantiles: F32
    levels: tuple[float, ...]

    def interval(self, lower: float, upper: float) -> tuple[F32, F32]:
        return self.quantiles[..., self.levels.index(lower)], self.quantiles[..., self.levels.index(upper)]


@runtime_checkable
class Forecaster(Protocol):
    """Fit on a :class:`Panel`, forecast many series in one call, save and load itself.

    ``predict_packed`` is the serving hot path: ``values`` is every series' history
    concatenated (float32), ``lengths`` their lengths (int32), optional ``last_timestamps``
    the timestamp of each series' last value (needed for calendar features; when absent
    the end of the training data is assumed). It returns the point forecast
    (n, horizon) and the requested quantiles (n, horizon, q). Levels the model did not
    train are interpolated linearly between the neighbouring trained levels; levels
    outside the trained range raise ``InvalidRequestError`` (a ``ValueError``).
    """

    model_type: str
    horizon: int
    holds_interpreter: bool
    """Whether ``predict_packed`` keeps the interpreter lock for its whole run (compiled code
    that never releases it), stalling every other thread of the process meanwhile: a server
    runs such forecasts in another process."""

    def fit(
        self,
        panel: Panel,
        horizon: int,
        on_epoch: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> None: ...

    def predict_packed(
        self,
        values: F32,
        lengths: npt.NDArray[np.int32],
        horizon: int,
        quantiles: tuple[float, ...],
        last_timestamps: DatetimeArray | None = None,
    ) -> tuple[F32, F32]: ...

    def predict(self, panel: Panel, horizon: int, quantiles: tuple[float, ...]) -> Forecast: ...

    def save(self, directory: Path) -> None: ...


def check_packed(
    values: npt.NDArray[np.floating],
    lengths: npt.NDArray[np.integer],
    horizon: int,
    last_timestamps: DatetimeArray | None = None,
) -> None:
    """Validate the packed layout shared by every model type."""
    if values.ndim != 1 or lengths.ndim != 1:
        raise InvalidRequestError("values and lengths must be one-dimensional")
    if not np.issubdtype(lengths.dtype, np.integer):
        raise InvalidRequestError(f"lengths must be integers, not {lengths.dtype}")
    if lengths.size == 0:
        raise InvalidRequestError("lengths is empty: send at least one series")
    if int(lengths.min()) < 1:
        raise InvalidRequestError("every series needs at least one value (lengths must be >= 1)")
    if int(lengths.astype(np.int64).sum()) != values.size:
        raise InvalidRequestError(f"lengths sum to {int(lengths.sum())} but values has {values.size} entries")
    if horizon < 1:
        raise InvalidRequestError("horizon must be at least 1")
    if np.isinf(values).any():
        raise InvalidRequestError("values must be finite (NaN marks a missing value)")
    if last_timestamps is not None:
        stamps = np.asarray(last_timestamps)
        if stamps.shape != lengths.shape:
            raise InvalidRequestError(f"last_timestamps has {stamps.size} entries for {lengths.size} series")
        if stamps.dtype.kind != "M" or np.isnat(stamps).any():
            raise InvalidRequestError(
                "last_timestamps must be datetime64 dates, none NaT (NaT has no calendar)"
            )


def forecast_panel(model: Forecaster, panel: Panel, horizon: int, quantiles: tuple[float, ...]) -> Forecast:
    """Shared ``predict`` implementation: pack the panel and call ``predict_packed``."""
    values, lengths = panel.packed()
    point, q = model.predict_packed(values, lengths, horizon, quantiles, panel.last_timestamps)
    return Forecast(panel.series_ids, panel.future_timestamps(horizon), point, q, tuple(quantiles))
