"""ListDatasets filters: the typed fields and an AIP-160 subset, both as one DatasetFilter.

Expression grammar: ``term (AND term)*`` where a term is ``field op value`` and a
value is a double-quoted string (``\\"`` escapes a quote) or a bare word. Fields:
``name`` with ``:``, ``format`` and ``frequency`` with ``=``, ``labels.<key>``
with ``=``, ``create_time`` with ``<``, ``<=``, ``>`` or ``>=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from server.db.enums import DatasetFormat, Frequency
from server.db.models import Dataset
from server.domain.datasets.spec import LABEL_KEY
from server.domain.search_terms import contains, search_text, utc_time
from server.errors import InvalidArgument

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op><=|>=|=|<|>|:)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]+)\s*'
)
_AND = re.compile(r"AND\s+|AND$")
FORMATS = {"DATASET_FORMAT_CSV": DatasetFormat.CSV, "DATASET_FORMAT_PARQUET": DatasetFormat.PARQUET}
FREQUENCIES = {f"FREQUENCY_{f.name}": f for f in Frequency}
_COMPARE = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}


@dataclass
class DatasetFilter:
    name_contains: list[str] = field(default_factory=list)
    formats: list[DatasetFormat] = field(default_factory=list)
    frequencies: list[Frequency] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)
    created: list[tuple[str, datetime]] = field(default_factory=list)

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = [contains(Dataset.name, text) for text in self.name_contains]
        found += [Dataset.format == f for f in self.formats]
        found += [Dataset.frequency == f for f in self.frequencies]
        found += [Dataset.labels[key].as_string() == value for key, value in self.labels]
        found += [getattr(Dataset.created_at, _COMPARE[op])(when) for op, when in self.created]
        return found


def _bad(description: str) -> InvalidArgument:
    return InvalidArgument.field("filter", description, reason="FILTER_INVALID")


def _unquote(value: str) -> str:
    if value.startswith('"'):
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _apply(where: DatasetFilter, name: str, op: str, value: str) -> None:
    def need(*ops: str) -> None:
        if op not in ops:
            raise _bad(f"{name} takes {' or '.join(ops)}, not {op}")

    if name == "name":
        need(":")
        try:
            where.name_contains.append(search_text(value))
        except ValueError as exc:
            raise _bad(f"name {exc}") from exc
    elif name == "format":
        need("=")
        if value not in FORMATS:
            raise _bad(f"format must be one of {', '.join(FORMATS)}")
        where.formats.append(FORMATS[value])
    elif name == "frequency":
        need("=")
        if value not in FREQUENCIES:
            raise _bad(f"frequency must be one of {', '.join(FREQUENCIES)}")
        where.frequencies.append(FREQUENCIES[value])
    elif name.startswith("labels.") and len(name) > len("labels."):
        need("=")
        where.labels.append((name.removeprefix("labels."), value))
    elif name == "create_time":
        need(*_COMPARE)
        try:
            where.created.append((op, utc_time(value)))
        except ValueError as exc:
            raise _bad(f"create_time {exc}") from exc
    else:
        raise _bad(f"unknown field {name!r}; use name, format, frequency, labels.<key> or create_time")


def parse_filter(expression: str, where: DatasetFilter | None = None) -> DatasetFilter:
    """Add the terms of ``expression`` to ``where`` (a new filter when None)."""
    where = where or DatasetFilter()
    text = expression.strip()
    position = 0
    while position < len(text):
        term = _TERM.match(text, position)
        if term is None:
            raise _bad(f"cannot parse the filter at character {position + 1}")
        _apply(where, term["field"], term["op"], _unquote(term["value"]))
        position = term.end()
        if position < len(text):
            joined = _AND.match(text, position)
            if joined is None or joined.end() == len(text):
                raise _bad(f"expected AND at character {position + 1}")
            position = joined.end()
    return where


def typed_filter(
    name_contains: str,
    format: DatasetFormat | None,
    frequency: Frequency | None,
    labels: dict[str, Any],
    expression: str,
) -> DatasetFilter:
    try:
        searched = [search_text(name_contains)] if name_contains else []
    except ValueError as exc:
        raise InvalidArgument.field("name_contains", str(exc)) from exc
    for key in labels:  # no stored label has another key, and SQLite's JSON paths refuse some
        if not LABEL_KEY.fullmatch(key):
            raise InvalidArgument.field(f"labels[{key!r}]", "is not a label key, so no dataset has it")
    where = DatasetFilter(
        name_contains=searched,
        formats=[format] if format else [],
        frequencies=[frequency] if frequency else [],
        labels=sorted(labels.items()),
    )
    return parse_filter(expression, where)
