"""Listing transactions: typed filters, a filter expression, keyset pages in either order.

The expression is the AIP-160 subset the contract describes: terms joined by
AND, each ``field op value``, strings in double quotes. Enum values are the
contract's names (``TRANSACTION_TYPE_PAYMENT``), given here as the plain names
the mappers resolve them to.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import RiskLevel, TransactionStatus, TransactionType
from server.db.models import Transaction
from server.domain.finance.money import Money
from server.domain.finance.queries import visible_to
from server.domain.pagination import encode_token, page_request, token_scope
from server.domain.search_terms import contains, search_text, utc_time
from server.errors import InvalidArgument

_TERM = re.compile(
    r'\s*(?P<field>[A-Za-z_][\w.]*)\s*(?P<op><=|>=|=|:|<|>)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]+)\s*'
)
_AND = re.compile(r"\s+AND\s+")
MAX_FILTER_LENGTH = 2000


@dataclass(frozen=True)
class TransactionQuery:
    statuses: list[TransactionStatus] = field(default_factory=list)
    types: list[TransactionType] = field(default_factory=list)
    risk_levels: list[RiskLevel] = field(default_factory=list)
    currency: str = ""
    start: datetime | None = None
    end: datetime | None = None
    min_amount: Money | None = None
    max_amount: Money | None = None
    owner_id: str = ""
    ascending: bool = False
    filter: str = ""
    page_size: int = 0
    page_token: str = ""


def _unquote(value: str) -> str:
    if value.startswith('"'):
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _timestamp(value: str) -> datetime:
    try:
        return utc_time(value)
    except ValueError as exc:
        raise InvalidArgument.field("filter", f"create_time {exc}") from exc


EnumParser = Callable[[str], object]


def parse_filter(text: str, enums: Mapping[str, EnumParser]) -> list[sa.ColumnElement[bool]]:
    """SQL conditions for a filter expression; ``enums`` resolves ``status``, ``type`` and ``risk_level``."""
    if not text.strip():
        return []
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidArgument.field("filter", f"must be at most {MAX_FILTER_LENGTH} characters")
    conditions: list[sa.ColumnElement[bool]] = []
    for term in _AND.split(text.strip()):
        match = _TERM.fullmatch(term)
        if match is None:
            raise InvalidArgument.field("filter", f"cannot parse {term[:40]!r}")
        name, op, value = match["field"], match["op"], _unquote(match["value"])
        conditions.append(_condition(name, op, value, enums))
    return conditions


def _condition(name: str, op: str, value: str, enums: Mapping[str, EnumParser]) -> sa.ColumnElement[bool]:
    def only(*ops: str) -> None:
        if op not in ops:
            raise InvalidArgument.field("filter", f"{name} takes {' or '.join(ops)}, not {op}")

    columns = {
        "status": Transaction.status,
        "type": Transaction.type,
        "risk_level": Transaction.risk_level,
    }
    if name in columns:
        only("=")
        condition: sa.ColumnElement[bool] = columns[name] == enums[name](value)
        return condition
    plain = {
        "currency_code": Transaction.currency,
        "owner_id": Transaction.owner_id,
        "counterparty.country": Transaction.counterparty_country,
    }
    if name in plain:
        only("=")
        return plain[name] == value
    if name.startswith("metadata.") and len(name) > len("metadata."):
        only("=")
        key = name.removeprefix("metadata.")
        entry: sa.ColumnElement[bool] = Transaction.metadata_[key].as_string() == value
        return entry
    substrings = {"description": Transaction.description, "counterparty.name": Transaction.counterparty_name}
    if name in substrings:
        only(":")
        try:
            return contains(substrings[name], search_text(value))
        except ValueError as exc:
            raise InvalidArgument.field("filter", f"{name} {exc}") from exc
    if name == "create_time":
        only("<", "<=", ">", ">=")
        moment = _timestamp(value)
        compare = {
            "<": Transaction.created_at < moment,
            "<=": Transaction.created_at <= moment,
            ">": Transaction.created_at > moment,
            ">=": Transaction.created_at >= moment,
        }
        return compare[op]
    raise InvalidArgument.field("filter", f"unknown field {name!r}")


class TransactionLister:
    def __init__(self, db: Database, enums: Mapping[str, EnumParser]):
        self._db = db
        self._enums = enums

    async def list(
        self, principal: Principal, query: TransactionQuery
    ) -> tuple[builtins.list[Transaction], str, int]:
        scope = token_scope(dataclasses.replace(query, page_size=0, page_token=""))
        page_asked = page_request(query.page_size, query.page_token, scope)
        size, after = page_asked.size, page_asked.after
        conditions = [visible_to(principal), *self._typed(query), *parse_filter(query.filter, self._enums)]

        def run(session: Session) -> tuple[builtins.list[Transaction], str, int]:
            base = sa.select(Transaction).where(*conditions)
            total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
            page = base.options(selectinload(Transaction.reversed_by))
            created, ident = Transaction.created_at, Transaction.id
            if after is not None:
                moment, last = after
                page = page.where(
                    sa.or_(created > moment, sa.and_(created == moment, ident > last))
                    if query.ascending
                    else sa.or_(created < moment, sa.and_(created == moment, ident < last))
                )
            order = (created.asc(), ident.asc()) if query.ascending else (created.desc(), ident.desc())
            rows = list(session.scalars(page.order_by(*order).limit(size + 1)).all())
            items = rows[:size]
            return items, (encode_token(items[-1], scope=scope) if len(rows) > size else ""), total

        return await self._db.run(run)

    @staticmethod
    def _typed(query: TransactionQuery) -> builtins.list[sa.ColumnElement[bool]]:
        conditions: builtins.list[sa.ColumnElement[bool]] = []
        if query.statuses:
            conditions.append(Transaction.status.in_(query.statuses))
        if query.types:
            conditions.append(Transaction.type.in_(query.types))
        if query.risk_levels:
            conditions.append(Transaction.risk_level.in_(query.risk_levels))
        if query.currency:
            conditions.append(Transaction.currency == query.currency)
        if query.owner_id:
            conditions.append(Transaction.owner_id == query.owner_id)
        if query.start is not None:
            conditions.append(Transaction.created_at >= query.start)
        if query.end is not None:
            conditions.append(Transaction.created_at < query.end)
        for bound, name in ((query.min_amount, "min_amount"), (query.max_amount, "max_amount")):
            if bound is None:
                continue
            if not query.currency:
                raise InvalidArgument.field("currency_code", f"is required with {name}")
            if bound.currency != query.currency:
                raise InvalidArgument.field(f"{name}.currency_code", "must equal currency_code")
            minor = bound.minor
            conditions.append(
                Transaction.amount_minor >= minor
                if name == "min_amount"
                else Transaction.amount_minor <= minor
            )
        return conditions
