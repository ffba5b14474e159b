"""What creating a transaction checks against those already recorded, and what it answers:
the owner lock that serialises one user's creations, the replay of an earlier request with the
same idempotency key, and whether a reversal's original may be reversed."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.enums import TransactionStatus, TransactionType
from server.db.locks import lock_rows
from server.db.models import Transaction, User
from server.domain.finance.requests import NewTransaction
from server.errors import AlreadyExists, FailedPrecondition, NotFound, PreconditionViolation


@dataclass(frozen=True)
class Created:
    transaction: Transaction
    replayed: bool


def loaded(transaction: Transaction) -> Transaction:
    """The transaction with what the mappers read loaded, so it can leave the session."""
    _ = transaction.reversed_by
    return transaction


def lock_owner(session: Session, owner_id: str) -> None:
    """Serialise one owner's creations: a row lock on PostgreSQL, the write lock on SQLite."""
    lock_rows(session, sa.select(User.id).where(User.id == owner_id))


def existing(session: Session, principal: Principal, request: NewTransaction, fingerprint: str) -> Created:
    found = replay(session, principal, request, fingerprint)
    if found is None:
        raise FailedPrecondition(
            "the original transaction already has a reversal",
            reason="ALREADY_REVERSED",
            violations=[
                PreconditionViolation("ALREADY_REVERSED", "reversal_of_transaction_id", "already reversed")
            ],
        )
    return found


def replay(
    session: Session, principal: Principal, request: NewTransaction, fingerprint: str
) -> Created | None:
    existing = session.scalar(
        sa.select(Transaction).where(
            Transaction.owner_id == principal.user_id,
            Transaction.idempotency_key == request.idempotency_key,
        )
    )
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise AlreadyExists(
            "this idempotency key was used with a different request",
            reason="IDEMPOTENCY_KEY_REUSED",
            metadata={"transaction_id": existing.id},
        )
    return Created(loaded(existing), replayed=True)


def reversible(session: Session, principal: Principal, request: NewTransaction) -> Transaction:
    original = session.scalar(
        sa.select(Transaction).where(
            Transaction.id == request.reversal_of, Transaction.owner_id == principal.user_id
        )
    )
    if original is None:
        raise NotFound("transaction", request.reversal_of)

    def refuse(kind: str, description: str) -> FailedPrecondition:
        return FailedPrecondition(
            description,
            reason=kind,
            violations=[PreconditionViolation(kind, "reversal_of_transaction_id", description)],
        )

    if original.type is TransactionType.REVERSAL:
        raise refuse("REVERSAL_OF_REVERSAL", "a reversal cannot itself be reversed")
    if original.reversed_by is not None:
        raise refuse("ALREADY_REVERSED", "the original transaction already has a reversal")
    if original.status is not TransactionStatus.COMPLETED:
        raise refuse(
            "NOT_COMPLETED", f"only a COMPLETED transaction can be reversed, not {original.status.name}"
        )
    if original.currency != request.amount.currency or original.amount_minor != request.amount.minor:
        raise refuse("AMOUNT_MISMATCH", "a reversal's amount must equal the original's")
    return original
