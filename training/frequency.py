"""Frequencies from hourly to yearly, inferred from timestamps, and grid arithmetic on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from training.errors import IrregularFrequencyError

DatetimeArray = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class Frequency:
    """A regular time grid: ``step`` units of the numpy datetime ``unit`` per period."""

    name: str
    unit: str
    step: int
    season_length: int

    @property
    def seasonal(self) -> bool:
        """Whether a period has a season to repeat (yearly data has none)."""
        return self.season_length > 1

    def positions(self, timestamps: DatetimeArray) -> npt.NDArray[np.int64]:
        """Integer grid positions (periods since the epoch) of timestamps on this grid."""
        ticks = timestamps.astype(f"datetime64[{self.unit}]").astype(np.int64)
        return ticks // self.step

    def timestamps(self, positions: npt.NDArray[np.int64]) -> DatetimeArray:
        """Inverse of :meth:`positions`: the start of each period."""
        return (np.asarray(positions, dtype=np.int64) * self.step).astype(f"datetime64[{self.unit}]")

    def shift(self, timestamps: DatetimeArray, periods: npt.NDArray[np.int64]) -> DatetimeArray:
        """Timestamps moved by whole periods (broadcasting)."""
        base = np.asarray(timestamps).astype(f"datetime64[{self.unit}]")
        step = np.asarray(periods, dtype=np.int64) * self.step
        return cast(DatetimeArray, base + step.astype(f"timedelta64[{self.unit}]"))


HOURLY = Frequency("hourly", "h", 1, 24)
DAILY = Frequency("daily", "D", 1, 7)
WEEKLY = Frequency("weekly", "D", 7, 52)
MONTHLY = Frequency("monthly", "M", 1, 12)
QUARTERLY = Frequency("quarterly", "M", 3, 4)
YEARLY = Frequency("yearly", "Y", 1, 1)
FREQUENCIES: dict[str, Frequency] = {f.name: f for f in (HOURLY, DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY)}


def _on_grid(ts: DatetimeArray, freq: Frequency) -> bool:
    """True when every timestamp is the same offset into its period (e.g. all month starts)."""
    if freq is YEARLY:
        # A date after February lies a day further into a leap year than into another year:
        # the grid is the same month of every year, on the monthly grid (July 1, or June 30).
        months = ts.astype("datetime64[M]").astype(np.int64) % 12
        return bool(np.all(months == months[0])) and _on_grid(ts, MONTHLY)
    floored = ts.astype(f"datetime64[{freq.unit}]")
    if freq is WEEKLY:
        days = floored.astype(np.int64)
        return bool(np.all(days % 7 == days[0] % 7)) and bool(np.all(ts == floored.astype(ts.dtype)))
    offset = ts - floored.astype(ts.dtype)
    if freq.unit in ("M", "Y") and not np.all(offset == offset[0]):
        # Period ends (Jan 31, Feb 28, ...) are on the grid too: the next day starts a period.
        next_day = ts + np.timedelta64(1, "D")
        if not np.all(next_day == next_day.astype(f"datetime64[{freq.unit}]").astype(ts.dtype)):
            return False
        floored = next_day.astype(f"datetime64[{freq.unit}]")
        offset = np.zeros_like(offset)
    if freq is QUARTERLY:
        months = floored.astype(np.int64)
        if not np.all(months % 3 == months[0] % 3):
            return False
    return bool(np.all(offset == offset[0]))


def _steps(ts: DatetimeArray, freq: Frequency) -> npt.NDArray[np.int64]:
    ticks = ts.astype(f"datetime64[{freq.unit}]").astype(np.int64)
    return np.diff(ticks)


def infer_frequency(series: list[DatetimeArray]) -> Frequency:
    """Infer the one frequency shared by all series (sorted, unique timestamps each).

    Gaps (a missing week) are allowed as whole multiples of the step, but most series must
    have two consecutive periods somewhere; anything else, or series on different grids,
    raises :class:`IrregularFrequencyError`.
    """
    usable = [np.asarray(ts, dtype="datetime64[ns]") for ts in series if len(ts) >= 2]
    if not usable:
        raise IrregularFrequencyError("need at least one series with two timestamps to infer a frequency")
    for freq in (HOURLY, DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY):
        ok = True
        consecutive = 0
        for ts in usable:
            if not _on_grid(ts, freq):
                ok = False
                break
            diffs = _steps(ts, freq)
            if np.any(diffs <= 0) or np.any(diffs % freq.step != 0):
                ok = False
                break
            consecutive += int(diffs.min()) == freq.step
        # Most series must show the step itself somewhere (sparse ones may only have gaps).
        if ok and consecutive * 2 > len(usable):
            return freq
    raise IrregularFrequencyError(
        "timestamps are not on a regular hourly, daily, weekly, monthly, quarterly or yearly grid"
    )
