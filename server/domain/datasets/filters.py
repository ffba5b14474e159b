"""ListDatasets filters: the typed fields and the filter expression, as SQL conditions.

Expression fields (server.domain.filters' grammar): ``name`` with ``:``, ``format`` and
``frequency`` (contract enum names) and ``labels.<key>`` with ``=`` or ``!=``, ``create_time``
with ``<``, ``<=``, ``>`` or ``>=``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.db.enums import DatasetFormat, Frequency
from server.db.models import Dataset
from server.domain import filters
from server.domain.datasets.spec import LABEL_KEY
from server.domain.search_terms import contains, search_text
from server.errors import InvalidArgument

FORMATS = {"DATASET_FORMAT_CSV": DatasetFormat.CSV, "DATASET_FORMAT_PARQUET": DatasetFormat.PARQUET}
FREQUENCIES = {f"FREQUENCY_{f.name}": f for f in Frequency}
RULES: dict[str, filters.FieldRule] = {
    "name": filters.contains(Dataset.name),
    "format": filters.enum(Dataset.format, FORMATS),
    "frequency": filters.enum(Dataset.frequency, FREQUENCIES),
    "create_time": filters.time(Dataset.created_at),
}


def typed_filter(
    name_contains: str,
    format: DatasetFormat | None,
    frequency: Frequency | None,
    labels: dict[str, Any],
    expression: str,
) -> list[sa.ColumnElement[bool]]:
    """The conditions of ListDatasets' typed fields and its filter expression, joined by AND."""
    found = filters.conditions(expression, RULES, maps={"labels": Dataset.labels})
    if name_contains:
        try:
            found.append(contains(Dataset.name, search_text(name_contains)))
        except ValueError as exc:
            raise InvalidArgument.field("name_contains", str(exc)) from exc
    for key, value in sorted(labels.items()):
        # No stored label has another key, and SQLite's JSON paths refuse some.
        if not LABEL_KEY.fullmatch(key):
            raise InvalidArgument.field(f"labels[{key!r}]", "is not a label key, so no dataset has it")
        found.append(Dataset.labels[key].as_string() == value)
    if format is not None:
        found.append(Dataset.format == format)
    if frequency is not None:
        found.append(Dataset.frequency == frequency)
    return found
