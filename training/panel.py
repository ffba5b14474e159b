"""A panel of series (one or many) built from long-format data, on one regular grid."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from training.calendar import calendar_features
from training.errors import InvalidDataError
from training.frequency import FREQUENCIES, DatetimeArray, Frequency, infer_frequency

FloatArray = npt.NDArray[np.float64]
COLUMNS = ("series_id", "timestamp", "value")


@dataclass(frozen=True)
class MissingValueReport:
    """What the missing-value policy did: inner gaps interpolated, edges trimmed (per series)."""

    interpolated: dict[str, int] = field(default_factory=dict)
    trimmed: dict[str, int] = field(default_factory=dict)

    @property
    def total_interpolated(self) -> int:
        return sum(self.interpolated.values())


def _naive_timestamps(column: pd.Series) -> pd.Series:
    """Timestamps as naive datetime64[ns]. Those without an offset are taken as written. Those
    with one (a time zone, or offsets that change with daylight-saving time) are instants, read in
    UTC, so that hourly data keeps one row per hour across a clock change (local wall time has an
    hour twice in autumn and none in spring), unless every one is at local midnight: those are
    dates, kept as the local dates they name (a daily series at midnight +01:00, and +02:00 after
    the change, is at 23:00 and 22:00 in UTC, on no grid)."""
    with warnings.catch_warnings():
        # pandas 2 warns, and pandas 3 refuses, before reading different offsets one by one.
        warnings.simplefilter("ignore", FutureWarning)
        try:
            parsed = pd.to_datetime(column)
        except ValueError:
            parsed = column.astype(object)
    if parsed.dtype != object and parsed.dt.tz is None:
        return parsed
    if parsed.dtype == object:  # different offsets: each read with its own
        stamps = [pd.Timestamp(value) for value in parsed]
        wall = pd.Series([s.tz_localize(None) if s.tzinfo else s for s in stamps], index=column.index)
        instants = pd.to_datetime(column, utc=True)
    else:
        wall, instants = parsed.dt.tz_localize(None), parsed.dt.tz_convert("UTC")
    wall = wall.astype("datetime64[ns]")
    return wall if (wall == wall.dt.normalize()).all() else instants.dt.tz_localize(None)


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Panel:
    """Series of possibly different lengths sharing one frequency.

    Missing-value policy: timestamps missing from the grid and NaN values inside a series
    are filled by linear interpolation (counted in ``missing``); leading and trailing
    missing values are dropped (also counted). Timestamps are period starts of the grid.
    """

    series_ids: tuple[str, ...]
    values: tuple[FloatArray, ...]
    starts: DatetimeArray
    frequency: Frequency
    missing: MissingValueReport = field(default_factory=MissingValueReport)

    def __post_init__(self) -> None:
        if not self.series_ids:
            raise InvalidDataError("a panel needs at least one series")
        if len(self.series_ids) != len(self.values) or len(self.starts) != len(self.values):
            raise InvalidDataError("series_ids, values and starts must have the same length")
        if len(set(self.series_ids)) != len(self.series_ids):
            raise InvalidDataError("series ids must be unique")

    @classmethod
    def from_long(cls, df: pd.DataFrame, frequency: str | None = None) -> Panel:
        """Build from columns series_id, timestamp, value (any row order)."""
        missing_cols = [c for c in COLUMNS if c not in df.columns]
        if missing_cols:
            raise InvalidDataError(f"missing columns: {', '.join(missing_cols)}")
        if df.empty:
            raise InvalidDataError("no rows")
        data = df.loc[:, list(COLUMNS)].copy()
        data["series_id"] = data["series_id"].astype(str)
        try:
            data["timestamp"] = _naive_timestamps(data["timestamp"])
            data["value"] = pd.to_numeric(data["value"], errors="raise").astype(np.float64)
        except (ValueError, TypeError) as exc:
            raise InvalidDataError(f"unreadable timestamp or value: {str(exc).splitlines()[0]}") from exc
        if np.isinf(data["value"]).any():
            raise InvalidDataError("values must be finite (NaN or a missing row marks a missing value)")
        if frequency and frequency not in FREQUENCIES:
            raise InvalidDataError(f"unknown frequency {frequency!r}: one of {', '.join(FREQUENCIES)}")
        data = data.sort_values(["series_id", "timestamp"], kind="stable")
        if data.duplicated(["series_id", "timestamp"]).any():
            raise InvalidDataError("duplicate (series_id, timestamp) rows")
        # Each series is a contiguous run of the sorted rows, and every step below works on all
        # runs at once: a loop over the series (or a DataFrame per series) cost seconds on a
        # panel of twenty thousand series.
        sids = data["series_id"].to_numpy()
        all_stamps = data["timestamp"].to_numpy(dtype="datetime64[ns]")
        all_values = data["value"].to_numpy()
        heads = np.concatenate([[0], np.flatnonzero(sids[1:] != sids[:-1]) + 1])
        rows = np.diff(np.append(heads, sids.size))
        names = [str(sid) for sid in sids[heads].tolist()]
        freq = FREQUENCIES[frequency] if frequency else infer_frequency(np.split(all_stamps, heads[1:]))
        # Each series on its grid, from its first timestamp's period to its last one's.
        pos = freq.positions(all_stamps)
        # On a given (not inferred) grid, two rows can fall in one period: one would be lost.
        shared = np.diff(pos) == 0
        shared[heads[1:] - 1] = False  # a series' first row follows another series' last
        if shared.any():
            row = int(np.argmax(shared))
            period = freq.timestamps(pos[row : row + 1])[0]
            raise InvalidDataError(
                f"series {sids[row]!r} has more than one row in the {freq.name} period {period}"
            )
        first_pos = pos[heads]
        spans = np.maximum.reduceat(pos, heads) - first_pos + 1
        grid_starts = np.concatenate([[0], np.cumsum(spans)[:-1]])
        of_row = np.repeat(np.arange(heads.size), rows)
        full = np.full(int(spans.sum()), np.nan)
        full[grid_starts[of_row] + pos - first_pos[of_row]] = all_values
        # Leading and trailing missing values are dropped, inner ones interpolated.
        where = np.flatnonzero(~np.isnan(full))
        of_point = np.searchsorted(grid_starts, where, side="right") - 1
        seen = np.bincount(of_point, minlength=heads.size) > 0
        kept = np.flatnonzero(seen)
        first = np.zeros(heads.size, np.int64)
        last = spans - 1
        first[kept] = where[np.searchsorted(of_point, kept)] - grid_starts[kept]
        last[kept] = where[np.searchsorted(of_point, kept, side="right") - 1] - grid_starts[kept]
        report = MissingValueReport()
        trimmed = np.where(seen, first + spans - 1 - last, spans)
        for i in np.flatnonzero(trimmed > 0).tolist():
            report.trimmed[names[i]] = int(trimmed[i])
        if not seen.any():
            raise InvalidDataError("every series is empty after dropping missing values")
        lengths = (last - first + 1)[kept]
        body_at = np.repeat(
            grid_starts[kept] + first[kept] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths
        )
        bodies = full[body_at + np.arange(int(lengths.sum()))]
        gaps = np.isnan(bodies)
        if gaps.any():
            # A body starts and ends with observed values, so each gap lies between two values
            # of its own series: one interpolation over all bodies together fills them.
            index = np.arange(bodies.size)
            bodies[gaps] = np.interp(index[gaps], index[~gaps], bodies[~gaps])
            per_series = np.bincount(np.repeat(np.arange(kept.size), lengths)[gaps], minlength=kept.size)
            for k in np.flatnonzero(per_series).tolist():
                report.interpolated[names[kept[k]]] = int(per_series[k])
        starts = freq.shift(all_stamps[heads[kept]], first[kept])
        series = tuple(np.split(bodies, np.cumsum(lengths)[:-1]))
        return cls(tuple(names[i] for i in kept.tolist()), series, starts, freq, report)

    def to_long(self) -> pd.DataFrame:
        frames = [
            pd.DataFrame({"series_id": sid, "timestamp": self.timestamps(i), "value": v})
            for i, (sid, v) in enumerate(zip(self.series_ids, self.values, strict=True))
        ]
        out = pd.concat(frames, ignore_index=True)
        out["timestamp"] = out["timestamp"].astype("datetime64[ns]")
        return out

    def __len__(self) -> int:
        return len(self.series_ids)

    @cached_property
    def lengths(self) -> npt.NDArray[np.int32]:
        """Each series' length (computed once, read-only: BatchPredict reads it for every chunk)."""
        return _frozen(np.array([v.size for v in self.values], dtype=np.int32))

    def timestamps(self, index: int) -> DatetimeArray:
        return self.frequency.shift(self.starts[index : index + 1], np.arange(self.values[index].size))

    @cached_property
    def last_timestamps(self) -> DatetimeArray:
        """The timestamp of each series' last value (computed once, read-only)."""
        return _frozen(self.frequency.shift(self.starts, self.lengths.astype(np.int64) - 1))

    def future_timestamps(self, horizon: int) -> DatetimeArray:
        """Timestamps of the next ``horizon`` periods of every series, shape (n, horizon)."""
        return self.frequency.shift(self.last_timestamps[:, None], np.arange(1, horizon + 1)[None, :])

    def calendar(self, index: int) -> npt.NDArray[np.float32]:
        """Calendar features of series ``index`` (known-future inputs), shape (length, C)."""
        return calendar_features(self.frequency, self.timestamps(index))

    def packed(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32]]:
        """Flat float32 values and int32 lengths: the layout of ``predict_packed``."""
        return np.concatenate(self.values).astype(np.float32), self.lengths

    def split(self, horizon: int) -> tuple[Panel, npt.NDArray[np.float64]]:
        """Time-based split: every series loses its final ``horizon`` points to the test set."""
        if int(self.lengths.min()) <= horizon:
            raise InvalidDataError(f"every series needs more than horizon={horizon} points to split")
        head = tuple(v[:-horizon] for v in self.values)
        tail = np.stack([v[-horizon:] for v in self.values])
        return Panel(self.series_ids, head, self.starts, self.frequency, self.missing), tail

    def select(self, min_length: int) -> Panel:
        """The series with at least ``min_length`` points."""
        keep = [i for i, v in enumerate(self.values) if v.size >= min_length]
        if not keep:
            raise InvalidDataError(f"no series has {min_length} or more points")
        return Panel(
            tuple(self.series_ids[i] for i in keep),
            tuple(self.values[i] for i in keep),
            self.starts[keep],
            self.frequency,
            self.missing,
        )
