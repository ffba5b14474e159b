"""What an upload says about its file: name, encoding, and the role of each column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server.db.enums import DatasetFormat, Frequency
from server.domain.stored_text import nul_violations
from server.errors import FieldViolation, InvalidArgument

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_VALUE_COLUMNS = 32
MAX_OTHER_COLUMNS = 64
MAX_LABELS = 64
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
MAX_LABEL_VALUE = 63


class ColumnRole(StrEnum):
    TIMESTAMP = "timestamp"
    VALUE = "value"
    SERIES_ID = "series_id"
    COVARIATE = "covariate"
    KNOWN_FUTURE = "known_future"
    STATIC = "static"


NUMERIC_ROLES = frozenset({ColumnRole.VALUE, ColumnRole.COVARIATE, ColumnRole.KNOWN_FUTURE})


@dataclass(frozen=True)
class DatasetSpec:
    """The DatasetMetadata of an upload, in domain terms (``None`` for an enum not given)."""

    name: str
    format: DatasetFormat | None
    timestamp_column: str
    value_columns: tuple[str, ...]
    description: str = ""
    series_id_column: str = ""
    covariate_columns: tuple[str, ...] = ()
    known_future_columns: tuple[str, ...] = ()
    static_columns: tuple[str, ...] = ()
    frequency: Frequency | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def named_columns(self) -> list[tuple[str, ColumnRole, str]]:
        """Every column the spec names: (column, role, the metadata field that names it)."""
        named = [(self.timestamp_column, ColumnRole.TIMESTAMP, "metadata.timestamp_column")]
        if self.series_id_column:
            named.append((self.series_id_column, ColumnRole.SERIES_ID, "metadata.series_id_column"))
        for role, columns, path in (
            (ColumnRole.VALUE, self.value_columns, "metadata.value_columns"),
            (ColumnRole.COVARIATE, self.covariate_columns, "metadata.covariate_columns"),
            (ColumnRole.KNOWN_FUTURE, self.known_future_columns, "metadata.known_future_columns"),
            (ColumnRole.STATIC, self.static_columns, "metadata.static_columns"),
        ):
            named.extend((column, role, f"{path}[{i}]") for i, column in enumerate(columns))
        return named

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "format": self.format.value if self.format else None,
            "timestamp_column": self.timestamp_column,
            "value_columns": list(self.value_columns),
            "series_id_column": self.series_id_column,
            "covariate_columns": list(self.covariate_columns),
            "known_future_columns": list(self.known_future_columns),
            "static_columns": list(self.static_columns),
            "frequency": self.frequency.value if self.frequency else None,
            "labels": dict(self.labels),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetSpec:
        return cls(
            name=data["name"],
            description=data.get("description", ""),
            format=DatasetFormat(data["format"]) if data.get("format") else None,
            timestamp_column=data["timestamp_column"],
            value_columns=tuple(data["value_columns"]),
            series_id_column=data.get("series_id_column", ""),
            covariate_columns=tuple(data.get("covariate_columns", ())),
            known_future_columns=tuple(data.get("known_future_columns", ())),
            static_columns=tuple(data.get("static_columns", ())),
            frequency=Frequency(data["frequency"]) if data.get("frequency") else None,
            labels=dict(data.get("labels", {})),
        )


def _column_count(violations: list[FieldViolation], path: str, columns: tuple[str, ...], most: int) -> None:
    if len(columns) > most:
        violations.append(FieldViolation(path, f"at most {most} columns"))


def validate_spec(spec: DatasetSpec) -> None:
    """Raise InvalidArgument naming every bad metadata field, before any bytes are read."""
    bad: list[FieldViolation] = []
    if not 1 <= len(spec.name.strip()) <= MAX_NAME:
        bad.append(FieldViolation("metadata.name", f"must be 1 to {MAX_NAME} characters"))
    if len(spec.description) > MAX_DESCRIPTION:
        bad.append(FieldViolation("metadata.description", f"must be at most {MAX_DESCRIPTION} characters"))
    if spec.format is None:
        bad.append(FieldViolation("metadata.format", "must be DATASET_FORMAT_CSV or DATASET_FORMAT_PARQUET"))
    if not spec.timestamp_column:
        bad.append(FieldViolation("metadata.timestamp_column", "is required"))
    if not 1 <= len(spec.value_columns) <= MAX_VALUE_COLUMNS:
        bad.append(FieldViolation("metadata.value_columns", f"must name 1 to {MAX_VALUE_COLUMNS} columns"))
    _column_count(bad, "metadata.covariate_columns", spec.covariate_columns, MAX_OTHER_COLUMNS)
    _column_count(bad, "metadata.known_future_columns", spec.known_future_columns, MAX_OTHER_COLUMNS)
    _column_count(bad, "metadata.static_columns", spec.static_columns, MAX_OTHER_COLUMNS)
    seen: dict[str, str] = {}
    for column, _, path in spec.named_columns():
        if path == "metadata.timestamp_column" and not column:
            continue
        if not column:
            bad.append(FieldViolation(path, "must not be empty"))
        elif column in seen:
            bad.append(FieldViolation(path, f"column {column!r} is already named by {seen[column]}"))
        else:
            seen[column] = path
    if len(spec.labels) > MAX_LABELS:
        bad.append(FieldViolation("metadata.labels", f"at most {MAX_LABELS} labels"))
    for key, value in spec.labels.items():
        if not LABEL_KEY.fullmatch(key):
            bad.append(
                FieldViolation(
                    f"metadata.labels[{key!r}]",
                    "keys are 1 to 63 lower-case letters, digits, '_' or '-', starting with a letter",
                )
            )
        elif len(value) > MAX_LABEL_VALUE:
            bad.append(FieldViolation(f"metadata.labels[{key!r}]", "values are at most 63 characters"))
    texts = [("metadata.name", spec.name), ("metadata.description", spec.description)]
    texts += [(path, column) for column, _, path in spec.named_columns()]
    texts += [(f"metadata.labels[{key!r}]", value) for key, value in spec.labels.items()]
    bad += nul_violations(texts)
    if bad:
        raise InvalidArgument(
            "; ".join(f"{v.field}: {v.description}" for v in bad), violations=bad, reason="METADATA_INVALID"
        )
