"""Read an uploaded CSV or Parquet file into typed columns, naming the first bad cell.

The result holds only the columns the metadata names, in file order: the timestamp
as UTC, values and covariates as float64 (NaN where missing), the series id as
text, static columns as float64 when every cell is a number and text otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
import pyarrow.parquet as pq

from server.db.enums import DatasetFormat
from server.db.models.predictions import SERIES_ID_LENGTH
from server.domain.datasets import csv_file
from server.domain.datasets.problems import bad_cell, bad_column, bad_file
from server.domain.datasets.spec import NUMERIC_ROLES, ColumnRole, DatasetSpec

MISSING_TEXT = frozenset({"", "nan"})
FLOAT32_MAX = float(np.finfo(np.float32).max)
"""Models compute in float32: a larger value, finite as a double, is infinite to them."""
EARLIEST = pd.Timestamp("1678-01-01", tz="UTC")
AFTER_LAST = pd.Timestamp("2262-01-01", tz="UTC")
"""Timestamps are nanoseconds (1677-09-21 to 2262-04-11); whole years inside that, UTC."""
YEARS = "years 1678 to 2261 (UTC)"
VALUE_RULE = "values must be finite, at most 3.4e38 in size (models compute in float32)"


@dataclass
class Table:
    """Typed columns of an uploaded file, in file order, with each row's number in the file."""

    frame: pd.DataFrame
    roles: dict[str, ColumnRole]
    rows: np.ndarray[Any, np.dtype[np.int64]]


def read_table(path: Path, spec: DatasetSpec) -> Table:
    if spec.format is DatasetFormat.PARQUET:
        raw, order = _read_parquet(path, spec)
    else:
        raw, order = _read_csv(path, spec)
    if not len(raw):
        raise bad_file("the file has no data rows")
    roles = {column: role for column, role, _ in spec.named_columns()}
    typed = {column: _typed(raw[column], column, roles[column]) for column in order}
    frame = pd.DataFrame(typed)
    return Table(frame, {column: roles[column] for column in order}, np.arange(1, len(frame) + 1))


def _check_columns(present: list[str], spec: DatasetSpec) -> list[str]:
    """The named columns in file order; a named column the file lacks, or holds more than once
    (which of them would it be?), is INVALID_ARGUMENT."""
    for column, _, field in spec.named_columns():
        if column not in present:
            shown = ", ".join(repr(c) for c in present[:20])
            raise bad_column(field, column, f"is not in the file, whose columns are {shown}")
        if (times := present.count(column)) > 1:
            raise bad_column(field, column, f"names {times} columns of the file; rename all but one")
    named = {column for column, _, _ in spec.named_columns()}
    return [column for column in present if column in named]


def _read_csv(path: Path, spec: DatasetSpec) -> tuple[pd.DataFrame, list[str]]:
    present = csv_file.header(path)
    if not present:
        raise bad_file("the file is empty; a CSV needs a header row naming its columns")
    order = _check_columns(present, spec)
    return csv_file.read_columns(path, order), order


def _read_parquet(path: Path, spec: DatasetSpec) -> tuple[pd.DataFrame, list[str]]:
    try:
        parquet = pq.ParquetFile(path)
        order = _check_columns(list(parquet.schema_arrow.names), spec)
        table = parquet.read(columns=order)
    except (pa.ArrowException, OSError) as exc:
        raise bad_file("the file is not a readable Parquet file") from exc
    columns: dict[str, pd.Series] = {}
    roles = {column: role for column, role, _ in spec.named_columns()}
    for column in order:
        chunked = table.column(column)
        kind = chunked.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            zone = kind.tz if pa.types.is_timestamp(kind) else None
            try:  # a checked cast: a time outside what nanoseconds hold fails instead of wrapping
                stamps = pd.Series(chunked.cast(pa.timestamp("ns", tz=zone)).to_pandas())
            except (pa.ArrowException, ValueError, OverflowError) as exc:
                raise bad_column(_field(spec, column), column, f"holds dates outside the {YEARS}") from exc
            stamps = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps
            if ((stamps < EARLIEST) | (stamps >= AFTER_LAST)).any():
                raise bad_column(_field(spec, column), column, f"holds dates outside the {YEARS}")
            columns[column] = stamps
        elif pa.types.is_integer(kind) and roles[column] is ColumnRole.SERIES_ID:
            # Series ids as the integers they are ("7", not "7.0"); a null one is missing.
            columns[column] = pd.Series(chunked.cast(pa.string()).to_pandas()).fillna("")
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            # Values are float64, as from a CSV: an integer past 2**53 rounds, as its text would.
            floats = chunked.cast(pa.float64(), safe=False)
            columns[column] = pd.Series(floats.to_numpy(zero_copy_only=False))
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            columns[column] = pd.Series(chunked.to_pandas()).fillna("")
        else:
            raise bad_column(_field(spec, column), column, f"has type {kind}, which Quantis does not read")
    return pd.DataFrame(columns), order


def _field(spec: DatasetSpec, column: str) -> str:
    return next(field for name, _, field in spec.named_columns() if name == column)


def _first(mask: pd.Series) -> int:
    return int(np.flatnonzero(mask.to_numpy())[0])


def _typed(values: pd.Series, column: str, role: ColumnRole) -> pd.Series:
    if role is ColumnRole.TIMESTAMP:
        return _timestamps(values, column)
    if role in NUMERIC_ROLES:
        return _numbers(values, column)
    if role is ColumnRole.SERIES_ID:
        text = values.astype(str)  # exactly as written: " a" and "a" are two series
        empty = text == ""
        if empty.any():
            raise bad_cell(_first(empty) + 1, column, "the series id is missing")
        unstorable = (text.str.len() > SERIES_ID_LENGTH) | text.str.contains("\0", regex=False)
        if unstorable.any():
            rule = f"series ids are at most {SERIES_ID_LENGTH} characters, none of them NUL"
            raise bad_cell(_first(unstorable) + 1, column, rule)
        return text
    # A static column: numbers when every cell is one, text otherwise.
    if values.dtype != object:
        return values
    numbers = pd.to_numeric(values.str.strip().replace("", np.nan), errors="coerce")
    return numbers if not (numbers.isna() & (values.str.strip() != "")).any() else values


def _timestamps(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        missing = values.isna()
        if missing.any():
            raise bad_cell(_first(missing) + 1, column, "the timestamp is missing")
        return values.dt.tz_convert("UTC")
    text = values.astype(str).str.strip()
    empty = text == ""
    if empty.any():
        raise bad_cell(_first(empty) + 1, column, "the timestamp is missing")
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna() | (parsed < EARLIEST) | (parsed >= AFTER_LAST)
    if bad.any():
        row = _first(bad)
        raise bad_cell(
            row + 1,
            column,
            f"{text.iloc[row]!r} is not an RFC 3339 timestamp or ISO 8601 date in the {YEARS}",
        )
    return parsed


def _numbers(values: pd.Series, column: str) -> pd.Series:
    if values.dtype == object:
        text = values.astype(str).str.strip()
        missing = text.str.lower().isin(MISSING_TEXT)
        try:  # Arrow's parse rounds correctly, as float() does ("0.30000000000000004"); pandas' does not
            parsed = pa.array(text.where(~missing, None), type=pa.string()).cast(pa.float64())
        except pa.ArrowInvalid:
            row = next(i for i, cell in enumerate(text) if not missing.iloc[i] and not _is_number(cell))
            raise bad_cell(row + 1, column, f"{text.iloc[row]!r} is not a number") from None
        values = pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index)
    numbers = values.astype(np.float64)
    unheld = ~(np.abs(numbers) <= FLOAT32_MAX) & numbers.notna()
    if unheld.any():
        row = _first(unheld)
        value = numbers.iat[row]
        problem = "the value is not finite" if np.isinf(value) else f"{value:g} is too large"
        raise bad_cell(row + 1, column, f"{problem}: {VALUE_RULE}")
    return numbers


def _is_number(cell: str) -> bool:
    try:
        pa.array([cell], type=pa.string()).cast(pa.float64())
    except pa.ArrowInvalid:
        return False
    return True
