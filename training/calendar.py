"""Calendar features computed from timestamps: the known-future inputs of the deep models."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from training.frequency import DatetimeArray, Frequency

# Cyclical features per frequency: (name, period) pairs, each encoded as sin and cos.
_CYCLES: dict[str, tuple[tuple[str, float], ...]] = {
    "hourly": (("hour_of_day", 24.0), ("day_of_week", 7.0)),
    "daily": (("day_of_week", 7.0), ("day_of_year", 365.25)),
    "weekly": (("day_of_year", 365.25),),
    "monthly": (("month_of_year", 12.0),),
    "quarterly": (("month_of_year", 12.0),),
    "yearly": (),
}


def calendar_feature_names(freq: Frequency) -> list[str]:
    """Names of the columns :func:`calendar_features` returns for ``freq``."""
    return [f"{name}_{fn}" for name, _ in _CYCLES[freq.name] for fn in ("sin", "cos")]


def _component(ts: DatetimeArray, name: str) -> npt.NDArray[np.float64]:
    days = ts.astype("datetime64[D]").astype(np.int64)
    if name == "hour_of_day":
        return (ts.astype("datetime64[h]").astype(np.int64) % 24).astype(np.float64)
    if name == "day_of_week":  # 1970-01-01 was a Thursday; Monday = 0
        return ((days + 3) % 7).astype(np.float64)
    if name == "day_of_year":
        year_start = ts.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        return (days - year_start).astype(np.float64)
    if name == "month_of_year":
        return (ts.astype("datetime64[M]").astype(np.int64) % 12).astype(np.float64)
    raise KeyError(name)


def calendar_features(freq: Frequency, timestamps: DatetimeArray) -> npt.NDArray[np.float32]:
    """Sin/cos encodings of the calendar cycles of ``freq``; shape ``timestamps.shape + (C,)``.

    Vectorised over any array shape, so a whole batch of windows is one call.
    """
    columns: list[npt.NDArray[np.float64]] = []
    for name, period in _CYCLES[freq.name]:
        angle = 2.0 * np.pi * _component(timestamps, name) / period
        columns += [np.sin(angle), np.cos(angle)]
    if not columns:
        return np.zeros((*timestamps.shape, 0), dtype=np.float32)
    return np.stack(columns, axis=-1).astype(np.float32)
