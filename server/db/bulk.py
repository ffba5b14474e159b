"""Bulk inserts of rows that share most of their values.

An executemany through SQLAlchemy's Core runs every value of every row through its column's
bind processor and builds each row's parameters one by one: for the prediction history (a
row per forecast series, most columns the same for all the series of one request) that was
four fifths of the cost of storing a row. Here a value shared by a group of rows is
processed once, the per-row columns once per row, and the DBAPI's executemany gets the
finished parameters. Values are converted exactly as SQLAlchemy would (the columns' own
bind processors for the connection's dialect), so the two paths store the same values;
only bytes for binary columns go to the driver unwrapped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class RowGroup:
    """Rows with ``shared`` values in common and, per row, the values in ``per_row`` (each a
    sequence of the same length). Together they must name every column of the table."""

    shared: Mapping[str, Any]
    per_row: Mapping[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(next(iter(self.per_row.values()))) if self.per_row else 0


PAGE_ROWS = 1000  # rows per INSERT statement on PostgreSQL


def _processor(column: sa.Column[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column.type, sa.LargeBinary):
        # Both drivers take bytes as they are; the processor wraps each value in the driver's
        # Binary (a memoryview, a psycopg2 adapter), which cost more per row than the insert.
        return None
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def insert_groups(connection: sa.Connection, table: sa.Table, groups: Iterable[RowGroup]) -> int:
    """Insert the rows of ``groups`` into ``table`` with one executemany (on PostgreSQL, statements
    of PAGE_ROWS rows each); the number of rows."""
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
        _insert_values(connection, table, order, params)
    elif compiled.positional:
        connection.exec_driver_sql(str(compiled), params)
    else:
        connection.exec_driver_sql(str(compiled), [dict(zip(order, row, strict=True)) for row in params])
    return len(params)


def _insert_values(connection: sa.Connection, table: sa.Table, order: list[str], rows: list[Any]) -> None:
    """psycopg2's executemany runs one INSERT per row, a round trip each (the history stored
    about 8,500 rows/s on PostgreSQL that way); execute_values sends a thousand rows per
    statement. It runs on the connection's own cursor, inside the current transaction."""
    from psycopg2.extras import execute_values  # type: ignore[import-untyped]  # psycopg2 only

    quote = connection.dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in order)
    statement = f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES %s"
    cursor = connection.connection.cursor()
    try:
        execute_values(cursor, statement, rows, page_size=PAGE_ROWS)
    finally:
        cursor.close()
