"""Reading an owner's transactions, for the ledger and its reports: which transactions a caller
may see, and the recent history the risk and AML rules weigh a new transaction against."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.enums import TransactionStatus
from server.db.models import Transaction
from server.domain.finance import risk
from server.domain.finance.config import FinanceConfig
from server.domain.finance.money import Money
from server.domain.finance.requests import NewTransaction

WINDOW_ROWS = 1000


def visible_to(principal: Principal) -> sa.ColumnElement[bool]:
    """Own transactions; all for an admin; for approvers also those awaiting review or decided by them."""
    if principal.is_admin:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [Transaction.owner_id == principal.user_id]
    if principal.can("finance:approve"):
        clauses.append(Transaction.status == TransactionStatus.PENDING_REVIEW)
        clauses.append(Transaction.decided_by == principal.user_id)
    return sa.or_(*clauses)


def recent_history(
    session: Session, config: FinanceConfig, owner_id: str, request: NewTransaction, now: datetime
) -> risk.History:
    """What the risk and AML rules see of ``owner_id``'s transactions before ``request``: the last
    30 days' count and failures, whether its counterparty is known, and the AML window's
    transactions (at most WINDOW_ROWS, oldest first)."""
    mine = Transaction.owner_id == owner_id
    month_ago = now - timedelta(days=30)
    failed = (TransactionStatus.FAILED, TransactionStatus.REJECTED)
    count, failures = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((Transaction.status.in_(failed), 1), else_=0)), 0),
        ).where(mine, Transaction.created_at >= month_ago)
    ).one()
    party = request.counterparty
    same_party = (
        Transaction.counterparty_account == party.account
        if party.account
        else Transaction.counterparty_name == party.name
    )
    known = bool(party.name or party.account) and session.scalar(
        sa.select(sa.exists().where(mine, same_party))
    )
    window_start = now - timedelta(days=config.aml(request.amount.currency).window_days)
    rows = session.execute(
        sa.select(Transaction.id, Transaction.currency, Transaction.amount_minor)
        .where(mine, Transaction.status != TransactionStatus.FAILED, Transaction.created_at >= window_start)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        .limit(WINDOW_ROWS)
    ).all()
    window = [
        risk.RecentTransaction(row.id, Money.from_minor(row.currency, row.amount_minor))
        for row in reversed(rows)
    ]
    return risk.History(int(count), int(failures), bool(known), window)
