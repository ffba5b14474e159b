"""List filters (``field op value AND ...``, the ListDatasets syntax) and keyset pages in either order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from server.domain.pagination import PageRequest, paginate
from server.domain.search_terms import utc_time
from server.errors import InvalidArgument

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op><=|>=|=|<|>|:)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]+)\s*'
)
_AND = re.compile(r"AND\s+|AND$")
COMPARE = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}


@dataclass(frozen=True)
class Term:
    field: str
    op: str
    value: str


def bad_filter(description: str) -> InvalidArgument:
    return InvalidArgument.field("filter", description, reason="FILTER_INVALID")


def parse_terms(expression: str) -> list[Term]:
    text = expression.strip()
    terms: list[Term] = []
    position = 0
    while position < len(text):
        term = _TERM.match(text, position)
        if term is None:
            raise bad_filter(f"cannot parse the filter at character {position + 1}")
        value = term["value"]
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        terms.append(Term(term["field"], term["op"], value))
        position = term.end()
        if position < len(text):
            joined = _AND.match(text, position)
            if joined is None or joined.end() == len(text):
                raise bad_filter(f"expected AND at character {position + 1}")
            position = joined.end()
    return terms


def need(term: Term, *ops: str) -> None:
    if term.op not in ops:
        raise bad_filter(f"{term.field} takes {' or '.join(ops)}, not {term.op}")


def time_condition(term: Term, column: Any) -> sa.ColumnElement[bool]:
    need(term, *COMPARE)
    try:
        when = utc_time(term.value)
    except ValueError as exc:
        raise bad_filter(f"{term.field} {exc}") from exc
    condition: sa.ColumnElement[bool] = getattr(column, COMPARE[term.op])(when)
    return condition


def enum_condition(term: Term, column: Any, names: dict[str, Any]) -> sa.ColumnElement[bool]:
    need(term, "=")
    if term.value not in names:
        raise bad_filter(f"{term.field} must be one of {', '.join(names)}")
    condition: sa.ColumnElement[bool] = column == names[term.value]
    return condition


FieldRule = Callable[[Term], sa.ColumnElement[bool]]


def conditions(
    expression: str, rules: dict[str, FieldRule], labels: Any = None
) -> list[sa.ColumnElement[bool]]:
    """Conditions for ``expression``; ``rules`` by field name, ``labels`` the JSON labels column."""
    found = []
    for term in parse_terms(expression):
        if term.field in rules:
            found.append(rules[term.field](term))
        elif labels is not None and term.field.startswith("labels.") and len(term.field) > len("labels."):
            need(term, "=")
            found.append(labels[term.field.removeprefix("labels.")].as_string() == term.value)
        else:
            known = [*rules, *(["labels.<key>"] if labels is not None else [])]
            raise bad_filter(f"unknown field {term.field!r}; use {', '.join(known)}")
    return found


def page(query: sa.Select[Any], model: Any, request: PageRequest, ascending: bool) -> sa.Select[Any]:
    if not ascending:
        return paginate(query, model, request)
    if request.after is not None:
        created_at, item_id = request.after
        query = query.where(
            sa.or_(model.created_at > created_at, sa.and_(model.created_at == created_at, model.id > item_id))
        )
    return query.order_by(model.created_at.asc(), model.id.asc()).limit(request.size + 1)
