"""A panel of series (one or many) built from long-format data, on one regular grid."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        data["timestamp"] = pd.to_datetime(data["timestamp"]).dt.tz_localize(None)
        data["value"] = pd.to_numeric(data["value"], errors="raise").astype(np.float64)
        data = data.sort_values(["series_id", "timestamp"], kind="stable")
        if data.duplicated(["series_id", "timestamp"]).any():
            raise InvalidDataError("duplicate (series_id, timestamp) rows")
        # Each series is a contiguous run of the sorted rows: numpy slices of three columns, not a
        # DataFrame per series (pandas' per-group objects cost ~0.1 ms each: seconds on a big panel).
        sids = data["series_id"].to_numpy()
        all_stamps = data["timestamp"].to_numpy(dtype="datetime64[ns]")
        all_values = data["value"].to_numpy()
        cuts = np.flatnonzero(sids[1:] != sids[:-1]) + 1
        bounds = zip(
            np.concatenate([[0], cuts]).tolist(), np.concatenate([cuts, [sids.size]]).tolist(), strict=True
        )
        groups = [(str(sids[a]), slice(a, b)) for a, b in bounds]
        stamps = [all_stamps[rows] for _, rows in groups]
        freq = FREQUENCIES[frequency] if frequency else infer_frequency(stamps)
        ids: list[str] = []
        series: list[FloatArray] = []
        starts: list[np.datetime64] = []
        report = MissingValueReport()
        for (sid, rows), ts in zip(groups, stamps, strict=True):
            pos = freq.positions(ts)
            full = np.full(int(pos[-1] - pos[0]) + 1, np.nan)
            full[pos - pos[0]] = all_values[rows]
            observed = np.flatnonzero(~np.isnan(full))
            if observed.size == 0:
                report.trimmed[sid] = full.size
                continue
            first, last = int(observed[0]), int(observed[-1])
            if first > 0 or last < full.size - 1:
                report.trimmed[sid] = first + full.size - 1 - last
            body = full[first : last + 1]
            gaps = np.isnan(body)
            if gaps.any():
                report.interpolated[sid] = int(gaps.sum())
                idx = np.arange(body.size)
                body = np.interp(idx, idx[~gaps], body[~gaps])
            ids.append(sid)
            series.append(body)
            starts.append(freq.shift(ts[:1], np.array([first]))[0])
        if not ids:
            raise InvalidDataError("every series is empty after dropping missing values")
        return cls(tuple(ids), tuple(series), np.array(starts), freq, report)

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

    @property
    def lengths(self) -> npt.NDArray[np.int32]:
        return np.array([v.size for v in self.values], dtype=np.int32)

    def timestamps(self, index: int) -> DatetimeArray:
        return self.frequency.shift(self.starts[index : index + 1], np.arange(self.values[index].size))

    @property
    def last_timestamps(self) -> DatetimeArray:
        return self.frequency.shift(self.starts, self.lengths.astype(np.int64) - 1)

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
