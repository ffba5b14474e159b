"""List filters: the grammar every list's ``filter`` field shares, and the rules that turn its
terms into SQL conditions.

An expression is ``term (AND term)*``; a term is ``field op value``, the value a double-quoted
string (``\\"`` escapes a quote) or a bare word. Operators: ``=`` and ``!=``; ``<``, ``<=``,
``>`` and ``>=`` for times; ``:`` (contains, ignoring case) for free text. A list names its
fields with a table of rules, field name -> FieldRule; a term the table does not know, or an
operator its rule does not take, is INVALID_ARGUMENT FILTER_INVALID naming ``filter``, as is an
expression of more than MAX_TERMS terms (SQLite refuses an expression tree a thousand deep).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from server.domain.search_terms import contains as contains_text
from server.domain.search_terms import search_text, utc_time
from server.errors import InvalidArgument

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op><=|>=|!=|=|<|>|:)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]+)\s*'
)
_AND = re.compile(r"AND\s+|AND$")
COMPARE = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}
MAX_FILTER_LENGTH = 2000
MAX_TERMS = 20


@dataclass(frozen=True)
class Term:
    field: str
    op: str
    value: str


FieldRule = Callable[[Term], sa.ColumnElement[bool]]


def bad_filter(description: str) -> InvalidArgument:
    return InvalidArgument.field("filter", description, reason="FILTER_INVALID")


def parse_terms(expression: str) -> list[Term]:
    text = expression.strip()
    if len(text) > MAX_FILTER_LENGTH:
        raise bad_filter(f"must be at most {MAX_FILTER_LENGTH} characters")
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
        if len(terms) > MAX_TERMS:
            raise bad_filter(f"takes at most {MAX_TERMS} terms")
        position = term.end()
        if position < len(text):
            joined = _AND.match(text, position)
            if joined is None or joined.end() == len(text):
                raise bad_filter(f"expected AND at character {position + 1}")
            position = joined.end()
    return terms


def conditions(
    expression: str, rules: Mapping[str, FieldRule], maps: Mapping[str, Any] | None = None
) -> list[sa.ColumnElement[bool]]:
    """Conditions for ``expression``: ``rules`` by field name; ``maps`` by prefix, a JSON column of
    string values (``{"labels": Model.labels}`` takes ``labels.<key> = "value"``)."""
    found = []
    for term in parse_terms(expression):
        prefix, _, key = term.field.partition(".")
        if term.field in rules:
            found.append(rules[term.field](term))
        elif maps and key and prefix in maps:
            found.append(_matches(term, maps[prefix][key].as_string(), term.value))
        else:
            known = [*rules, *(f"{prefix}.<key>" for prefix in maps or ())]
            raise bad_filter(f"unknown field {term.field!r}; use {', '.join(known)}")
    return found


def need(term: Term, *ops: str) -> None:
    if term.op not in ops:
        raise bad_filter(f"{term.field} takes {' or '.join(ops)}, not {term.op}")


def _matches(term: Term, column: Any, value: Any) -> sa.ColumnElement[bool]:
    """``column`` is ``value`` (``=``) or is not, NULL included (``!=``)."""
    need(term, "=", "!=")
    condition: sa.ColumnElement[bool] = column == value if term.op == "=" else column.is_distinct_from(value)
    return condition


def equals(column: Any) -> FieldRule:
    return lambda term: _matches(term, column, term.value)


def enum(column: Any, names: Mapping[str, Any]) -> FieldRule:
    """An enum column; ``names`` maps the contract's value names to stored values."""

    def rule(term: Term) -> sa.ColumnElement[bool]:
        if term.value not in names:
            raise bad_filter(f"{term.field} must be one of {', '.join(names)}")
        return _matches(term, column, names[term.value])

    return rule


def time(column: Any) -> FieldRule:
    def rule(term: Term) -> sa.ColumnElement[bool]:
        need(term, *COMPARE)
        try:
            when = utc_time(term.value)
        except ValueError as exc:
            raise bad_filter(f"{term.field} {exc}") from exc
        condition: sa.ColumnElement[bool] = getattr(column, COMPARE[term.op])(when)
        return condition

    return rule


def _searched(term: Term) -> str:
    try:
        return search_text(term.value)
    except ValueError as exc:
        raise bad_filter(f"{term.field} {exc}") from exc


def contains(column: Any) -> FieldRule:
    """``field : "text"``: the column holds the text, ignoring case."""

    def rule(term: Term) -> sa.ColumnElement[bool]:
        need(term, ":")
        return contains_text(column, _searched(term))

    return rule


def glob(column: Any, *, lowercase: bool = False) -> FieldRule:
    """``field = "text"``, ignoring case, ``*`` standing for any characters (``%`` and ``_`` are
    plain characters); ``!=`` for the rest. ``lowercase``: the column holds lowercase text only
    (generated ids), so text without ``*`` is compared with the column itself, which an index
    on it serves (``lower(column)`` would read every row)."""

    def rule(term: Term) -> sa.ColumnElement[bool]:
        need(term, "=", "!=")
        text = _searched(term).lower()
        found: sa.ColumnElement[bool]
        if lowercase and "*" not in text:
            found = column == text
        else:
            pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
            found = sa.func.lower(column).like(pattern, escape="\\")
        return found if term.op == "=" else sa.or_(sa.not_(found), column.is_(None))

    return rule


def truth(term: Term) -> bool:
    """What a boolean term asks for: ``x = true`` and ``x != false`` are True."""
    need(term, "=", "!=")
    if term.value not in ("true", "false"):
        raise bad_filter(f"{term.field} is true or false, not {term.value!r}")
    return (term.value == "true") == (term.op == "=")


def flag(column: Any) -> FieldRule:
    """A boolean column."""
    return lambda term: column.is_(truth(term))


def is_set(column: Any) -> FieldRule:
    """A boolean that is whether a nullable column holds something (``revoked`` of revoked_at)."""
    return lambda term: column.is_not(None) if truth(term) else column.is_(None)
