"""Dating a prediction's series and forecasts: checking that a caller's times are period starts,
placing dated values one per period, the time of each series' last value, and the forecast steps'
times, none of them past the last time a forecast can carry."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.db.enums import Frequency
from server.domain.datasets import frequency as grid
from server.errors import InvalidArgument
from training.frequency import FREQUENCIES


def check_on_grid(
    times: npt.NDArray[np.datetime64],
    frequency: Frequency,
    field: str,
    *,
    one_series: bool,
    indexed: bool = True,
) -> None:
    """INVALID_ARGUMENT naming ``field[i]`` for the first of ``times`` (datetime64[ns]) that is not
    a period start (``one_series``: all of one series, so weekly ones share a weekday; else each
    starts a series of its own). A time between two periods would be forecast from as if it were
    the period it falls in, and its forecasts dated there. ``indexed`` False names ``field``
    alone (one time)."""
    ns = times.astype("datetime64[ns]").astype(np.int64)
    off = ~grid.on_grid(ns, frequency, one_weekday=one_series)
    if off.any():
        at = int(np.argmax(off))
        raise InvalidArgument.field(
            f"{field}[{at}]" if indexed else field,
            f"{times[at].astype('datetime64[s]')}Z is not a {frequency.value} period start: "
            f"{frequency.value} times fall {grid.GRID_TEXT[frequency]}",
        )


def on_periods(
    values: npt.NDArray[np.float32],
    timestamps: npt.NDArray[np.datetime64],
    frequency: Frequency,
    max_length: int,
) -> npt.NDArray[np.float32]:
    """``values`` (dated by ``timestamps``, strictly increasing) one per period of ``frequency``
    from the first timestamp's to the last's: a period with no timestamp is a missing value
    (NaN), which the models fill as they do any other. INVALID_ARGUMENT naming
    series.timestamps when a timestamp is not a period start or the span is too long."""
    check_on_grid(timestamps, frequency, "series.timestamps", one_series=True)
    periods = grid.periods(timestamps.astype("datetime64[ns]").astype(np.int64), frequency)
    offsets = periods - periods[0]
    span = int(offsets[-1]) + 1
    if span == values.size:
        return values
    if span > max_length:
        raise InvalidArgument.field(
            "series.timestamps",
            f"span {span:,} {frequency.value} periods (gaps count as missing values); at most {max_length:,}",
        )
    placed = np.full(span, np.nan, dtype=np.float32)
    placed[offsets] = values
    return placed


# The last time a forecast can carry: datetime64[ns], which the history and the wire use, ends
# here (a month past it wrapped round to 1678).
LATEST_TIME = np.datetime64(np.iinfo(np.int64).max, "ns").astype("datetime64[s]")


def check_within_range(times: npt.NDArray[np.datetime64], field: str, what: str) -> None:
    """INVALID_ARGUMENT naming ``field`` when one of ``times`` is past LATEST_TIME."""
    if times.size and times.astype("datetime64[s]").max() > LATEST_TIME:
        raise InvalidArgument.field(field, f"{what} after {LATEST_TIME}Z, the last time a forecast can carry")


def forecast_times(
    lasts: npt.NDArray[np.datetime64] | None, frequency: Frequency | None, horizon: int
) -> npt.NDArray[np.datetime64] | None:
    """The ``horizon`` timestamps after each of ``lasts`` (n,): (n, horizon), or None when
    the series are not dated; INVALID_ARGUMENT naming horizon when they end past LATEST_TIME."""
    if lasts is None or frequency is None:
        return None
    steps = np.arange(1, horizon + 1, dtype=np.int64)[None, :]
    times = FREQUENCIES[frequency.value].shift(lasts[:, None], steps)
    check_within_range(times, "horizon", "the forecast would end")
    return times


def last_times(
    lengths: npt.NDArray[np.integer],
    starts: npt.NDArray[np.datetime64],
    frequency: Frequency,
    field: str,
) -> npt.NDArray[np.datetime64]:
    """The timestamp of each series' last value, from its first (datetime64[ns]);
    INVALID_ARGUMENT naming ``field`` (the start) when one is past LATEST_TIME."""
    shifted = FREQUENCIES[frequency.value].shift(starts, np.asarray(lengths, dtype=np.int64) - 1)
    check_within_range(shifted, field, "the series would end")
    return shifted.astype("datetime64[ns]")
