"""A dataset's stored Parquet file as a training Panel of one value column."""

from __future__ import annotations

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
