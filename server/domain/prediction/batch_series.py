"""Which series a BatchPredict job forecasts, in the dataset's order: every series of the dataset,
including one with no observed value, which the panel leaves out and the job answers with NaN
rows in its place (as StreamPredict does), dated after its last timestamp in the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from server.jobs.panels import column_roles
from training import Panel

UNOBSERVED = np.array([np.nan])  # the input of a series with no observed value: forecast as NaN


@dataclass(frozen=True)
class Series:
    """Every series of the dataset, in its order: ``at[i]`` is series i's place in ``panel``, or -1
    for one with no observed value (which the panel leaves out), forecast as NaN rows; ``last``
    holds each series' last timestamp."""

    panel: Panel
    ids: tuple[str, ...]
    at: npt.NDArray[np.int64]
    last: npt.NDArray[np.datetime64]

    @property
    def id_bytes(self) -> int:
        return max((len(s.encode()) for s in self.ids), default=0)

    def future(self, horizon: int) -> npt.NDArray[np.datetime64]:
        steps = np.arange(1, horizon + 1)[None, :]
        return self.panel.frequency.shift(self.last[:, None], steps)


def dataset_series(panel: Panel, path: Path, columns: list[dict[str, Any]]) -> Series:
    """Every series of the dataset at ``path`` (described by ``columns``), of which ``panel`` holds
    those with an observed value."""
    unobserved = sorted(set(panel.missing.trimmed) - set(panel.series_ids))
    if not unobserved:
        at = np.arange(len(panel), dtype=np.int64)
        return Series(panel, panel.series_ids, at, panel.last_timestamps)
    # The panel leaves out a series with no observed value; the job keeps its place (in the
    # panel's order, by id) and forecasts it as NaN rows, dated after its last timestamp.
    ids = tuple(sorted((*panel.series_ids, *unobserved)))
    place = {sid: i for i, sid in enumerate(panel.series_ids)}
    at = np.array([place.get(sid, -1) for sid in ids], dtype=np.int64)
    last = np.empty(len(ids), dtype=panel.last_timestamps.dtype)
    last[at >= 0] = panel.last_timestamps[at[at >= 0]]
    ends = _last_timestamps(path, columns, unobserved)
    last[at < 0] = panel.frequency.shift(np.array([ends[sid] for sid in unobserved]), np.zeros(1, np.int64))
    return Series(panel, ids, at, last)


def _last_timestamps(
    path: Path, columns: list[dict[str, Any]], series: list[str]
) -> dict[str, np.datetime64]:
    """The last timestamp (UTC, naive) of each of ``series`` in the dataset file at ``path``."""
    roles = column_roles(columns)
    sid = next(name for name, role in roles.items() if role == "series_id")
    stamp = next(name for name, role in roles.items() if role == "timestamp")
    table = pq.read_table(path, columns=[sid, stamp])
    table = table.filter(pc.is_in(pc.cast(table[sid], "string"), value_set=pa.array(series)))
    ends = table.group_by(sid).aggregate([(stamp, "max")])
    frame = ends.to_pandas()
    stamps = pd.to_datetime(frame[f"{stamp}_max"], utc=True).dt.tz_localize(None)
    return {str(s): np.datetime64(t, "ns") for s, t in zip(frame[sid], stamps, strict=True)}
