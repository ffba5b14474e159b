"""Read an uploaded CSV's named columns as text with pyarrow, naming a ragged row by row and line.

pyarrow reads in blocks (1 MiB by default) and refuses a row that straddles two block
boundaries, so a file with one very long cell is read again with larger blocks, up to
one block holding the whole file: the upload size limit bounds it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
import pyarrow.csv as pacsv

from server.domain.datasets.problems import bad_file, bad_row

FIRST_BLOCK = 1 << 20
MAX_BLOCK = (1 << 31) - 1
"""pyarrow's block size is a 32-bit int."""
PLAIN_RUN = re.compile(r'[^",\r\n]{2,}')
"""Text that neither quotes nor separates: shortened, it keeps a record's shape within the
csv module's 131,072-character field limit."""


def header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader([fh.readline()]), [])
    except UnicodeDecodeError as exc:
        raise bad_file("the file is not UTF-8 text") from exc
    except csv.Error as exc:  # a header field of over 131,072 characters, say
        raise bad_file(f"the header row is not one Quantis reads: {exc}") from exc


def read_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the file as text (never null), in file order."""
    size = path.stat().st_size
    block = FIRST_BLOCK
    while True:
        ragged: list[pacsv.InvalidRow] = []
        try:
            return _read(path, columns, block, ragged.append)
        except pa.ArrowInvalid as exc:
            if ragged:
                raise _ragged(path, ragged[0]) from exc
            if "straddl" in str(exc) and block < min(size, MAX_BLOCK):
                block = min(block * 8, size + 1, MAX_BLOCK)
                continue
            if "UTF8" in str(exc):
                raise bad_file("the file is not UTF-8 text") from exc
            raise bad_file("the file is not a comma-separated CSV with a header row") from exc


def _read(
    path: Path, columns: list[str], block: int, found: Callable[[pacsv.InvalidRow], None]
) -> pd.DataFrame:
    def refuse(row: pacsv.InvalidRow) -> str:
        found(row)
        return "error"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False, block_size=block),
        parse_options=pacsv.ParseOptions(invalid_row_handler=refuse),
        convert_options=pacsv.ConvertOptions(
            include_columns=columns,
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.to_pandas()


def _ragged(path: Path, row: pacsv.InvalidRow) -> Exception:
    # pyarrow numbers records from 1 at the header and skips blank lines, as Quantis numbers rows.
    number = row.number - 1 if row.number > 1 else None
    fields = f"has {row.actual_columns} fields, the header {row.expected_columns}"
    if number is None:  # pyarrow did not say which (it does when reading serially)
        return bad_file(f"a row {fields}")
    return bad_row(number, _first_line(path, row.number), fields)


def _first_line(path: Path, record: int) -> int | None:
    """The line on which the ``record``-th non-blank record starts (the header is record 1);
    None if Python's csv module cannot follow the file that far."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(PLAIN_RUN.sub("x", line) for line in fh)
            seen, start = 0, 1
            for fields in reader:
                if fields:
                    seen += 1
                    if seen == record:
                        return start
                start = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError):
        pass
    return None
