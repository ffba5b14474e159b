"""A dataset's stored Parquet file as a training Panel of one value column."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pyarrow.parquet as pq

from training import InvalidDataError, Panel


def column_roles(columns: list[dict[str, Any]]) -> dict[str, str]:
    return {str(c["name"]): str(c["role"]) for c in columns}


def value_columns(columns: list[dict[str, Any]]) -> list[str]:
    return [name for name, role in column_roles(columns).items() if role == "value"]


def load_panel(path: Path, columns: list[dict[str, Any]], target: str, frequency: str | None) -> Panel:
    """Series id, timestamp and ``target`` of the file, as a Panel on ``frequency`` (None: inferred)."""
    roles = column_roles(columns)
    timestamp = next((name for name, role in roles.items() if role == "timestamp"), None)
    series = next((name for name, role in roles.items() if role == "series_id"), None)
    if timestamp is None:
        raise InvalidDataError("the dataset has no timestamp column")
    if roles.get(target) != "value":
        raise InvalidDataError(f"the dataset has no value column {target!r}")
    wanted = [c for c in (series, timestamp, target) if c is not None]
    frame = pq.read_table(path, columns=wanted).to_pandas()
    long = pd.DataFrame(
        {
            "series_id": frame[series].astype(str) if series else target,
            "timestamp": frame[timestamp],
            "value": frame[target],
        }
    )
    return Panel.from_long(long, frequency=frequency)


class PanelCache:
    """Panels loaded by load_panel, the most recently used kept up to ``max_values`` values in all.

    A stored dataset never changes (new data is a new dataset), so one loaded panel serves every
    later batch job on it, and a job resumed after a disconnect does not read and sort its file
    again: for 20,000 series of 48 values that took about half a second, half of the whole job.
    Thread-safe; two threads asking for the same panel at once may both load it.
    """

    def __init__(self, max_values: int):
        self._max_values = max_values
        self._panels: OrderedDict[tuple[str, str, str | None], Panel] = OrderedDict()
        self._values = 0
        self._lock = threading.Lock()

    def load(self, path: Path, columns: list[dict[str, Any]], target: str, frequency: str | None) -> Panel:
        """load_panel's answer, from the cache when the same file, target and frequency were loaded."""
        key = (str(path), target, frequency)
        with self._lock:
            panel = self._panels.get(key)
            if panel is not None:
                self._panels.move_to_end(key)
                return panel
        panel = load_panel(path, columns, target, frequency)
        size = int(panel.lengths.sum())
        with self._lock:
            if size <= self._max_values and key not in self._panels:
                self._panels[key] = panel
                self._values += size
                while self._values > self._max_values:
                    _, evicted = self._panels.popitem(last=False)
                    self._values -= int(evicted.lengths.sum())
        return panel
