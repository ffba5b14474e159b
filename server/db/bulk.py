"""Bulk inserts of rows that share most of their values.

An executemany through SQLAlchemy's Core runs every value of every row through its column's
bind processor and builds each row's parameters one by one: for the prediction history (a
row per forecast series, most columns the same for all the series of one request) that was
four fifths of the cost of storing a row. Here a value shared by a group of rows is
processed once, the per-row columns once per row, and the DBAPI's executemany gets the
finished parameters (on PostgreSQL, one COPY). Values are converted exactly as SQLAlchemy
would (the columns' own bind processors for the connection's dialect), so the two paths
store the same values; only bytes for binary columns go to the driver unwrapped.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RowGroup:
    """Rows with ``shared`` values in common and, per row, the values in ``per_row`` (each a
    sequence of the same length). Together they must name every column of the table."""

    shared: Mapping[str, Any]
    per_row: Mapping[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(next(iter(self.per_row.values()))) if self.per_row else 0


def _processor(column: sa.Column[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column.type, sa.LargeBinary):
        # Both drivers take bytes as they are; the processor wraps each value in the driver's
        # Binary (a memoryview, a psycopg2 adapter), which cost more per row than the insert.
        return None
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def insert_groups(connection: sa.Connection, table: sa.Table, groups: Iterable[RowGroup]) -> int:
    """Insert the rows of ``groups`` into ``table`` with one executemany (on PostgreSQL, one COPY);
    the number of rows."""
    dialect = connection.dialect
    names = list(table.c.keys())
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    order = list(compiled.positiontup) if compiled.positional and compiled.positiontup else names
    processors = {name: _processor(table.c[name], dialect) for name in names}
    params: list[Any] = []
    for group in groups:
        size = len(group)
        if not size:
            continue
        given = set(group.shared) | set(group.per_row)
        if given != set(names):
            missing, unknown = sorted(set(names) - given), sorted(given - set(names))
            raise ValueError(f"{table.name}: rows need every column; missing {missing}, unknown {unknown}")
        columns: list[Sequence[Any]] = []
        for name in order:
            process = processors[name]
            if name in group.per_row:
                values = group.per_row[name]
                if len(values) != size:
                    raise ValueError(f"{table.name}.{name}: {len(values)} values for {size} rows")
                columns.append(values if process is None else [process(v) for v in values])
            else:
                value = group.shared[name]
                columns.append([value if process is None else process(value)] * size)
        params.extend(zip(*columns, strict=True))
    if not params:
        return 0
    if dialect.driver == "psycopg2":
        _copy_rows(connection, table, order, params)
    elif compiled.positional:
        connection.exec_driver_sql(str(compiled), params)
    else:
        connection.exec_driver_sql(str(compiled), [dict(zip(order, row, strict=True)) for row in params])
    return len(params)


def _copy_rows(connection: sa.Connection, table: sa.Table, order: list[str], rows: list[Any]) -> None:
    """psycopg2's executemany runs one INSERT per row, a round trip each (the history stored
    about 8,500 rows/s on PostgreSQL that way, 18,000 with a thousand rows per INSERT, 35,000
    with COPY). COPY streams every row in PostgreSQL's text format, on the connection's own
    cursor, inside the current transaction."""
    quote = connection.dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in order)
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(f"COPY {quote.format_table(table)} ({columns}) FROM STDIN", io.StringIO(text))
    finally:
        cursor.close()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value as COPY's text format reads it: NULL as \\N, bytea in hex, text escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\\\x" + bytes(value).hex()  # the backslash itself escaped
    if isinstance(value, float):
        return float.__repr__(value)  # nan, inf and -inf are read as such; numpy's floats too
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def insert_or_update(session: Session, model: Any) -> postgresql.Insert:
    """An INSERT into ``model``'s table in the session's dialect, whose ON CONFLICT clause
    (``on_conflict_do_update``) PostgreSQL and SQLite both have: an upsert in one statement."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return cast(postgresql.Insert, sqlite.insert(model))  # the same ON CONFLICT interface
