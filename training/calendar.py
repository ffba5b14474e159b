"""Calendar features computed from timestamps: the known-future inputs of the deep models."""

from __future__ import annotations

import functools

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


def _component(ts: DatetimeArray, name: str) -> npt.NDArray[np.int64]:
    """The position of each timestamp in the cycle ``name``, a whole number from 0."""
    if name == "month_of_year":
        return ts.astype("datetime64[M]").astype(np.int64) % 12
    if name == "hour_of_day":
        return ts.astype("datetime64[h]").astype(np.int64) % 24
    days = ts.astype("datetime64[D]").astype(np.int64)
    if name == "day_of_week":  # 1970-01-01 was a Thursday; Monday = 0
        return (days + 3) % 7
    if name == "day_of_year":
        return days - ts.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    raise KeyError(name)


@functools.cache
def _encodings(period: float) -> npt.NDArray[np.float32]:
    """(sin, cos) of every whole position of a cycle (0 .. ceil(period) - 1), as calendar_features
    gives them: components are whole numbers, so a lookup replaces sin and cos of each timestamp."""
    angle = 2.0 * np.pi * np.arange(int(np.ceil(period)), dtype=np.float64) / period
    table = np.stack([np.sin(angle), np.cos(angle)], axis=-1).astype(np.float32)
    table.flags.writeable = False
    return table


def calendar_features(freq: Frequency, timestamps: DatetimeArray) -> npt.NDArray[np.float32]:
    """Sin/cos encodings of the calendar cycles of ``freq``; shape ``timestamps.shape + (C,)``.

    Vectorised over any array shape, so a whole batch of windows is one call.
    """
    cycles = _CYCLES[freq.name]
    if not cycles:
        return np.zeros((*timestamps.shape, 0), dtype=np.float32)
    parts = [_encodings(period)[_component(timestamps, name)] for name, period in cycles]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)
