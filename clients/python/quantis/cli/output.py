"""How the CLI prints: aligned tables for people, JSON (``--json``) for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message


def as_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


@dataclass
class Output:
    """What a command prints: ``rows`` with the ``columns`` a table shows (JSON shows every key).

    ``single`` prints one object rather than a list. A non-zero ``exit_status`` is the command's
    once the output is printed, with ``failure`` on standard error: an outcome that is printed in
    full, but is a failure all the same (a watched training job that failed).
    """

    rows: list[dict[str, Any]]
    columns: Sequence[str] = ()
    single: bool = False
    exit_status: int = 0
    failure: str = ""

    @classmethod
    def one(cls, row: dict[str, Any], columns: Sequence[str] = ()) -> Output:
        return cls([row], columns, single=True)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    columns = list(columns) or sorted({key for row in rows for key in row})
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(column), *(len(line[i]) for line in cells)]) for i, column in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    return "\n".join(lines)


def emit(output: Output, as_json: bool) -> None:
    if as_json:
        payload: Any = output.rows[0] if output.single and output.rows else output.rows
        print(json.dumps(payload, indent=2, sort_keys=True))
        return
    if output.single and output.rows:
        row = output.rows[0]
        keys = list(output.columns) or list(row)
        width = max(len(key) for key in keys)
        print("\n".join(f"{key.ljust(width)}  {_cell(row.get(key))}" for key in keys))
        return
    if output.rows:
        print(table(output.rows, output.columns))
    else:
        print("(none)", file=sys.stderr)
