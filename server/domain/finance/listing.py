"""Listing transactions: typed filters, a filter expression, keyset pages in either order.

The expression is every list's grammar (server.domain.filters); enum values are the contract's
names (``TRANSACTION_TYPE_PAYMENT``). Page tokens are valid only with the filters and order they
were made under.
"""

from __future__ import annotations

import builtins
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import RiskLevel, TransactionStatus, TransactionType
from server.db.models import Transaction
from server.domain import filters
from server.domain.finance.money import Money, check_currency
from server.domain.finance.queries import visible_to
from server.domain.pagination import count, page_request, paginate, split_page, token_scope
from server.errors import InvalidArgument


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


STATUSES = {f"TRANSACTION_STATUS_{status.name}": status for status in TransactionStatus}
TYPES = {f"TRANSACTION_TYPE_{kind.name}": kind for kind in TransactionType}
RISK_LEVELS = {f"RISK_LEVEL_{level.name}": level for level in RiskLevel}
RULES: dict[str, filters.FieldRule] = {
    "status": filters.enum(Transaction.status, STATUSES),
    "type": filters.enum(Transaction.type, TYPES),
    "risk_level": filters.enum(Transaction.risk_level, RISK_LEVELS),
    "currency_code": filters.equals(Transaction.currency),
    "owner_id": filters.equals(Transaction.owner_id),
    "counterparty.country": filters.equals(Transaction.counterparty_country),
    "description": filters.contains(Transaction.description),
    "counterparty.name": filters.contains(Transaction.counterparty_name),
    "create_time": filters.time(Transaction.created_at),
}


class TransactionLister:
    def __init__(self, db: Database):
        self._db = db

    async def list(
        self, principal: Principal, query: TransactionQuery
    ) -> tuple[builtins.list[Transaction], str, int]:
        scope = token_scope("ListTransactions", dataclasses.replace(query, page_size=0, page_token=""))
        page_asked = page_request(query.page_size, query.page_token, scope)
        conditions = [
            visible_to(principal),
            *self._typed(query),
            *filters.conditions(query.filter, RULES, maps={"metadata": Transaction.metadata_}),
        ]

        def run(session: Session) -> tuple[builtins.list[Transaction], str, int]:
            base = sa.select(Transaction).where(*conditions)
            page = paginate(base, Transaction, page_asked, ascending=query.ascending)
            rows = session.scalars(page.options(selectinload(Transaction.reversed_by))).all()
            items, token = split_page(rows, page_asked)
            return items, token, count(session, base)

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
            check_currency(query.currency, "currency_code")
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
