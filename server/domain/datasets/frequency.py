"""Regular time grids from hourly to yearly: membership, periods, inference, regularity.

Timestamps are int64 nanoseconds since the epoch, UTC. Each frequency is a grid of
period starts (midnight for daily and coarser; the 1st of the month; January,
April, July or October for quarters; January 1 for years; one weekday for weeks).
A series on a grid may have gaps of whole periods; regularity is the share of
consecutive observations exactly one period apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.db.enums import Frequency

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

HOUR_NS = 3_600 * 10**9
DAY_NS = 24 * HOUR_NS
ORDER = (
    Frequency.HOURLY,
    Frequency.DAILY,
    Frequency.WEEKLY,
    Frequency.MONTHLY,
    Frequency.QUARTERLY,
    Frequency.YEARLY,
)
GRID_TEXT = {
    Frequency.HOURLY: "on the hour",
    Frequency.DAILY: "at midnight UTC",
    Frequency.WEEKLY: "at midnight UTC on the same weekday as the first row",
    Frequency.MONTHLY: "at midnight UTC on the first day of a month",
    Frequency.QUARTERLY: "at midnight UTC on January, April, July or October 1",
    Frequency.YEARLY: "at midnight UTC on January 1",
}


def on_grid(ns: Int64Array, frequency: Frequency, *, one_weekday: bool = True) -> BoolArray:
    """Which timestamps are period starts of ``frequency``. Weeks start on the first
    timestamp's weekday, or (``one_weekday`` False: each timestamp starts its own series) on any."""
    if frequency is Frequency.HOURLY:
        return np.asarray(ns % HOUR_NS == 0)
    midnight = ns % DAY_NS == 0
    if frequency is Frequency.DAILY or (frequency is Frequency.WEEKLY and not one_weekday):
        return np.asarray(midnight)
    if frequency is Frequency.WEEKLY:
        days = ns // DAY_NS
        anchor = days[0] % 7 if len(days) else 0
        return np.asarray(midnight & (days % 7 == anchor))
    stamps = ns.astype("datetime64[ns]")
    months = stamps.astype("datetime64[M]")
    month_start = months.astype("datetime64[ns]") == stamps
    if frequency is Frequency.MONTHLY:
        return np.asarray(month_start)
    if frequency is Frequency.QUARTERLY:
        return np.asarray(month_start & (months.astype(np.int64) % 3 == 0))
    return np.asarray(stamps.astype("datetime64[Y]").astype("datetime64[ns]") == stamps)


def periods(ns: Int64Array, frequency: Frequency) -> Int64Array:
    """Index of the period each timestamp falls in (consecutive periods differ by 1)."""
    if frequency is Frequency.HOURLY:
        return ns // HOUR_NS
    if frequency is Frequency.DAILY:
        return ns // DAY_NS
    if frequency is Frequency.WEEKLY:
        return (ns // DAY_NS) // 7
    stamps = ns.astype("datetime64[ns]")
    if frequency is Frequency.YEARLY:
        return stamps.astype("datetime64[Y]").astype(np.int64)
    months = stamps.astype("datetime64[M]").astype(np.int64)
    return months // 3 if frequency is Frequency.QUARTERLY else months


@dataclass(frozen=True)
class Steps:
    """Steps between consecutive observations of the same series, in periods."""

    steps: Int64Array
    """One entry per row that follows another row of its series."""
    rows: Int64Array
    """Position (0-based, in the sorted table) of the later row of each step."""
    series_with_unit_step: int
    series_with_steps: int


def steps(ns: Int64Array, series: Int64Array, frequency: Frequency) -> Steps:
    """``ns`` sorted by (series, time); ``series`` the series code of each row."""
    position = periods(ns, frequency)
    same = series[1:] == series[:-1]
    diffs = np.diff(position)[same]
    rows = np.flatnonzero(same) + 1
    unit = np.zeros(int(series.max()) + 1 if len(series) else 0, dtype=bool)
    has = np.zeros_like(unit)
    unit[series[rows[diffs == 1]]] = True
    has[series[rows]] = True
    return Steps(diffs, rows, int(unit.sum()), int(has.sum()))


def follows(ns: Int64Array, series: Int64Array, frequency: Frequency) -> bool:
    """On the grid, and most series with two or more rows (if any) show the step itself somewhere."""
    if not bool(on_grid(ns, frequency).all()):
        return False
    found = steps(ns, series, frequency)
    return found.series_with_steps == 0 or found.series_with_unit_step * 2 > found.series_with_steps


def infer(ns: Int64Array, series: Int64Array) -> Frequency | None:
    """The finest frequency the timestamps follow, or None."""
    return next((f for f in ORDER if follows(ns, series, f)), None)


_NOMINAL_DAYS = {
    Frequency.HOURLY: (1 / 24, 1 / 24),
    Frequency.DAILY: (1, 1),
    Frequency.WEEKLY: (7, 7),
    Frequency.MONTHLY: (28, 31),
    Frequency.QUARTERLY: (89, 92),
    Frequency.YEARLY: (365, 366),
}


def nearest(ns: Int64Array, series: Int64Array) -> tuple[Frequency | None, int]:
    """The frequency the most common spacing suggests, and that spacing in nanoseconds."""
    same = series[1:] == series[:-1]
    gaps = np.diff(ns)[same]
    if not len(gaps):
        return None, 0
    values, counts = np.unique(gaps, return_counts=True)
    spacing = int(values[np.argmax(counts)])
    days = spacing / DAY_NS
    for frequency, (low, high) in _NOMINAL_DAYS.items():
        if low <= days <= high:
            return frequency, spacing
    return None, spacing


def regularity(found: Steps) -> tuple[int, int]:
    """(steps of exactly one period, all steps)."""
    return int((found.steps == 1).sum()), len(found.steps)
