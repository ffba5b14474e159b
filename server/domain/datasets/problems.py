"""How a bad file is reported: INVALID_ARGUMENT naming the row and the column.

Rows are numbered from 1 in file order, not counting a CSV's header row or blank
lines (row 1 is line 2 of a CSV without them). The field violation's path is
``file.rows[<row>].<column>``, and ErrorInfo carries the row and column in its
metadata; a row wrong as a whole (ragged) is ``file.rows[<row>]``, with its row and the
line it starts on.
"""

from __future__ import annotations

from server.errors import FieldViolation, InvalidArgument

REASON = "DATASET_INVALID"


def bad_cell(row: int, column: str, description: str) -> InvalidArgument:
    return InvalidArgument(
        f"row {row}, column {column!r}: {description}",
        violations=[FieldViolation(f"file.rows[{row}].{column}", description)],
        reason=REASON,
        metadata={"row": str(row), "column": column},
    )


def bad_row(row: int, line: int | None, description: str) -> InvalidArgument:
    """A CSV row is wrong as a whole (too many or too few fields); ``line`` is where it starts."""
    where = f"row {row} (line {line})" if line is not None else f"row {row}"
    metadata = {"row": str(row)} | ({"line": str(line)} if line is not None else {})
    return InvalidArgument(
        f"{where}: {description}",
        violations=[FieldViolation(f"file.rows[{row}]", f"{where} {description}")],
        reason=REASON,
        metadata=metadata,
    )


def bad_column(field: str, column: str, description: str) -> InvalidArgument:
    """A whole column is wrong (missing, of the wrong type); ``field`` is the metadata field naming it."""
    return InvalidArgument(
        f"column {column!r}: {description}",
        violations=[FieldViolation(field, f"column {column!r}: {description}")],
        reason=REASON,
        metadata={"column": column},
    )


def bad_file(description: str) -> InvalidArgument:
    return InvalidArgument(
        f"file: {description}", violations=[FieldViolation("file", description)], reason=REASON
    )
