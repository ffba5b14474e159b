"""The checks a file must pass before it is stored, and the stored order.

Each (series, timestamp) pair occurs once; the rows of each series are in time
order in the file (series may be interleaved); static columns are constant within
a series; the timestamps follow the declared frequency, or one is inferred. The
stored table is sorted by series id, then time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from server.db.enums import Frequency
from server.domain.datasets import frequency as grid
from server.domain.datasets.problems import bad_cell, bad_file
from server.domain.datasets.reading import Table
from server.domain.datasets.spec import ColumnRole, DatasetSpec
from server.errors import FieldViolation, InvalidArgument

SERIES = "__series__"
ROW = "__row__"


@dataclass
class Validated:
    """The table in stored order, its series codes, and its frequency."""

    frame: pd.DataFrame
    roles: dict[str, ColumnRole]
    timestamp_column: str
    series_ids: np.ndarray[Any, Any]
    """Series id of each row (empty text for a single series)."""
    codes: np.ndarray[Any, np.dtype[np.int64]]
    """Series number of each row, 0.. in series id order."""
    frequency: Frequency


def _stamp(value: Any) -> str:
    return str(pd.Timestamp(value).isoformat()).replace("+00:00", "Z")


def validate(table: Table, spec: DatasetSpec) -> Validated:
    frame = table.frame
    ts = spec.timestamp_column
    sid = spec.series_id_column
    keyed = pd.DataFrame(
        {
            SERIES: frame[sid] if sid else pd.Series("", index=frame.index),
            "ts": frame[ts],
            ROW: table.rows,
        }
    )
    duplicate = keyed.duplicated([SERIES, "ts"], keep="first").to_numpy()
    if duplicate.any():
        at = int(np.flatnonzero(duplicate)[0])
        series, stamp = keyed[SERIES].iat[at], keyed["ts"].iat[at]
        first = keyed[(keyed[SERIES] == series) & (keyed["ts"] == stamp)][ROW].iat[0]
        owner = f" of series {series!r}" if sid else ""
        raise bad_cell(int(table.rows[at]), ts, f"{_stamp(stamp)}{owner} is already at row {first}")
    earlier = (keyed.groupby(SERIES, sort=False)["ts"].diff() < pd.Timedelta(0)).to_numpy()
    if earlier.any():
        at = int(np.flatnonzero(earlier)[0])
        owner = f"series {keyed[SERIES].iat[at]!r}" if sid else "the series"
        raise bad_cell(
            int(table.rows[at]),
            ts,
            f"{_stamp(keyed['ts'].iat[at])} is earlier than the row before it in {owner}; "
            "each series must be in time order",
        )
    for column in spec.static_columns:
        _constant_within_series(frame[column], keyed, column, table)

    order = np.lexsort((keyed["ts"].to_numpy(), keyed[SERIES].to_numpy()))
    stored = frame.iloc[order].reset_index(drop=True)
    series_ids = keyed[SERIES].to_numpy()[order]
    rows = table.rows[order]
    _, codes = np.unique(series_ids, return_inverse=True)
    ns = stored[ts].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    codes = codes.astype(np.int64)
    return Validated(
        stored, table.roles, ts, series_ids, codes, _frequency(ns, codes, rows, spec.frequency, ts)
    )


def _constant_within_series(values: pd.Series, keyed: pd.DataFrame, column: str, table: Table) -> None:
    first = values.groupby(keyed[SERIES], sort=False).transform("first")
    differs = ~((values == first) | (values.isna() & first.isna()))
    if differs.any():
        at = int(np.flatnonzero(differs.to_numpy())[0])
        raise bad_cell(
            int(table.rows[at]),
            column,
            f"{values.iat[at]!r} differs from {first.iat[at]!r} earlier in the same series; "
            "a static column is constant within a series",
        )


def _frequency(
    ns: np.ndarray[Any, np.dtype[np.int64]],
    codes: np.ndarray[Any, np.dtype[np.int64]],
    rows: np.ndarray[Any, np.dtype[np.int64]],
    declared: Frequency | None,
    column: str,
) -> Frequency:
    if declared is not None:
        _off_grid(ns, rows, declared, column)
        if not grid.follows(ns, codes, declared):
            raise InvalidArgument(
                f"metadata.frequency: the timestamps are not {declared.value}",
                violations=[
                    FieldViolation(
                        "metadata.frequency",
                        f"no series has consecutive {declared.value} observations; "
                        "declare the frequency the data has, or leave it unspecified",
                    )
                ],
                reason="FREQUENCY_MISMATCH",
            )
        return declared
    if not (codes[1:] == codes[:-1]).any():
        raise bad_file(
            "no series has two observations, so the frequency cannot be inferred; declare metadata.frequency"
        )
    inferred = grid.infer(ns, codes)
    if inferred is not None:
        return inferred
    nearest, spacing = grid.nearest(ns, codes)
    if nearest is not None:
        _off_grid(ns, rows, nearest, column)
    # On the nearest grid but with no regular step, or no grid near at all: name the first odd gap.
    same = codes[1:] == codes[:-1]
    gaps = np.diff(ns)
    odd = np.flatnonzero(same & (gaps != spacing)) if nearest is not None else np.flatnonzero(same)
    at = int((odd if len(odd) else np.flatnonzero(same))[0]) + 1
    raise bad_cell(
        int(rows[at]),
        column,
        "the timestamps have no regular hourly, daily, weekly, monthly, quarterly or yearly spacing "
        f"(this row is {_spacing(int(gaps[at - 1]))} after the one before it in its series)",
    )


def _off_grid(
    ns: np.ndarray[Any, np.dtype[np.int64]],
    rows: np.ndarray[Any, np.dtype[np.int64]],
    frequency: Frequency,
    column: str,
) -> None:
    off = ~grid.on_grid(ns, frequency)
    if off.any():
        candidates = np.flatnonzero(off)
        at = int(candidates[np.argmin(rows[candidates])])
        raise bad_cell(
            int(rows[at]),
            column,
            f"{_stamp(ns[at])} is not a {frequency.value} period start: "
            f"{frequency.value} timestamps fall {grid.GRID_TEXT[frequency]}",
        )


def _spacing(ns: int) -> str:
    seconds = ns / 1e9
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} seconds"
