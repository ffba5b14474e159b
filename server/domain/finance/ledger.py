"""The ledger: recording transactions idempotently, and deciding those held for review.

Creation runs in one database transaction that first locks the owner's row, so
one user's creations are serialised: the limit check and the idempotency lookup
see every earlier creation. The unique (owner, idempotency key) constraint is
the last word all the same: a creation that loses a race on it reads the
winner back and answers as a replay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import TransactionStatus
from server.db.models import Transaction
from server.domain.finance import aml, creation, risk
from server.domain.finance.config import FinanceConfig
from server.domain.finance.creation import Created
from server.domain.finance.limits import LimitFailure, LimitPolicy, limit_failure
from server.domain.finance.queries import recent_history, visible_to
from server.domain.finance.requests import NewTransaction
from server.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PreconditionViolation,
)

FOUR_EYES = "FOUR_EYES"


class Ledger:
    def __init__(
        self,
        db: Database,
        config: FinanceConfig,
        limits: LimitPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._config = config
        self._limits = limits
        self._now = clock

    # --- creation -----------------------------------------------------------

    async def create(self, principal: Principal, request: NewTransaction) -> Created:
        request = request.checked()
        fingerprint = request.fingerprint()
        try:
            created = await self._db.run(
                lambda session: self._create(session, principal, request, fingerprint)
            )
        except IntegrityError:
            # Lost a race: another call with this key (or a reversal of the same original) committed first.
            created = await self._db.run(
                lambda session: creation.existing(session, principal, request, fingerprint)
            )
        transaction = created.transaction
        if transaction.status is TransactionStatus.FAILED and transaction.decision_note:
            raise LimitFailure.from_stored(transaction.decision_note).error(
                transaction.currency, transaction.id
            )
        return created

    def _create(
        self, session: Session, principal: Principal, request: NewTransaction, fingerprint: str
    ) -> Created:
        creation.lock_owner(session, principal.user_id)
        replay = creation.replay(session, principal, request, fingerprint)
        if replay is not None:
            return replay
        now = self._now()
        assert request.type is not None
        original = creation.reversible(session, principal, request) if request.reversal_of else None
        history = recent_history(session, self._config, principal.user_id, request, now)
        assessment = risk.assess(self._config, request.amount, request.type, request.counterparty, history)
        flags = aml.flags(self._config, request.amount, request.counterparty, history, assessment)
        failure = (
            None
            if original is not None
            else limit_failure(session, self._limits, principal.user_id, request.amount, now)
        )
        if failure is not None:
            status = TransactionStatus.FAILED
        elif assessment.level.value == "critical":
            status = TransactionStatus.PENDING_REVIEW
        else:
            status = TransactionStatus.COMPLETED
        party = request.counterparty
        transaction = Transaction(
            owner_id=principal.user_id,
            idempotency_key=request.idempotency_key,
            request_fingerprint=fingerprint,
            amount_minor=request.amount.minor,
            currency=request.amount.currency,
            type=request.type,
            status=status,
            description=request.description,
            counterparty_name=party.name,
            counterparty_account=party.account,
            counterparty_country=party.country,
            risk_score=assessment.score,
            risk_level=assessment.level,
            risk_factors=[
                {"rule": f.rule, "points": f.points, "detail": f.detail} for f in assessment.factors
            ],
            aml_flags=[
                {
                    "kind": f.kind.value,
                    "detail": f.detail,
                    "related_transaction_ids": f.related_transaction_ids,
                }
                for f in flags
            ],
            metadata_=dict(request.metadata),
            reversal_of_id=request.reversal_of or None,
            decision_note=failure.stored() if failure is not None else "",
            created_at=now,
            updated_at=now,
        )
        session.add(transaction)
        session.flush()
        if original is not None and status is TransactionStatus.COMPLETED:
            original.status = TransactionStatus.REVERSED
            original.updated_at = now
            session.flush()
        return Created(creation.loaded(transaction), replayed=False)

    # --- reading ------------------------------------------------------------

    async def get(self, principal: Principal, transaction_id: str) -> Transaction:
        if not transaction_id:
            raise InvalidArgument.field("transaction_id", "is required")

        def get(session: Session) -> Transaction:
            found = session.scalar(
                sa.select(Transaction).where(Transaction.id == transaction_id, visible_to(principal))
            )
            if found is None:
                raise NotFound("transaction", transaction_id)
            return creation.loaded(found)

        return await self._db.run(get)

    # --- decisions ----------------------------------------------------------

    async def decide(
        self, principal: Principal, transaction_id: str, approve: bool, note: str
    ) -> Transaction:
        if not transaction_id:
            raise InvalidArgument.field("transaction_id", "is required")
        field = "note" if approve else "reason"
        if len(note) > 1000:
            raise InvalidArgument.field(field, "must be at most 1000 characters")
        if not approve and not note.strip():
            raise InvalidArgument.field("reason", "is required (why it is rejected)")
        now = self._now()

        def decide(session: Session) -> Transaction:
            found = session.scalar(
                sa.select(Transaction).where(Transaction.id == transaction_id, visible_to(principal))
            )
            if found is None:
                raise NotFound("transaction", transaction_id)
            if found.owner_id == principal.user_id:
                raise PermissionDenied(
                    "the four-eyes rule: a transaction is decided by someone other than its creator",
                    reason=FOUR_EYES,
                )
            status = TransactionStatus.COMPLETED if approve else TransactionStatus.REJECTED
            changed = session.execute(
                sa.update(Transaction)
                .where(
                    Transaction.id == transaction_id, Transaction.status == TransactionStatus.PENDING_REVIEW
                )
                .values(
                    status=status,
                    decided_by=principal.user_id,
                    decision_note=note,
                    decided_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise FailedPrecondition(
                    f"the transaction is {found.status.name}, not PENDING_REVIEW",
                    reason="NOT_PENDING_REVIEW",
                    violations=[
                        PreconditionViolation("NOT_PENDING_REVIEW", "transaction_id", "not awaiting review")
                    ],
                )
            if approve and found.reversal_of_id:
                session.execute(
                    sa.update(Transaction)
                    .where(
                        Transaction.id == found.reversal_of_id,
                        Transaction.status == TransactionStatus.COMPLETED,
                    )
                    .values(status=TransactionStatus.REVERSED, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            session.refresh(found)
            return creation.loaded(found)

        return await self._db.run(decide)
