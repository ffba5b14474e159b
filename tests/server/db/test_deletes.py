"""ON DELETE behaviour, exercised with plain SQL deletes so the database, not
the ORM, is what is tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.base import Base
from server.db.enums import AuditOutcome, NotificationKind, TransactionType
from server.db.models import (
    Actual,
    ApiKey,
    AuditLog,
    BatchJob,
    Dataset,
    Deployment,
    Model,
    ModelVersion,
    Notification,
    Prediction,
    RefreshToken,
    TrainingJob,
    Transaction,
    User,
    UserSession,
)
from tests.server.db import factories


def _count(session: Session, table: type[Base]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def _delete(session: Session, table: type[Base], row_id: str) -> None:
    session.execute(sa.delete(table).where(table.__table__.c.id == row_id))
    session.commit()
    session.expire_all()


def _a_model_with_everything(session: Session, owner: User) -> Model:
    data = factories.dataset(session, owner)
    forecaster = factories.model(session, owner, data)
    job = TrainingJob(model_id=forecaster.id, owner_id=owner.id)
    session.add(job)
    session.flush()
    v1 = factories.version(session, forecaster, 1, training_job_id=job.id)
    v2 = factories.version(session, forecaster, 2)
    forecaster.default_version_id = v1.id
    session.add_all([Deployment(model_id=forecaster.id, version_id=v.id, percent=50) for v in (v1, v2)])
    made = factories.prediction(session, owner, v2)
    made.actuals.append(Actual(step=1, value=3.0))
    session.add(
        BatchJob(
            owner_id=owner.id,
            model_id=forecaster.id,
            version_id=v1.id,
            dataset_id=data.id,
            horizon=3,
            chunk_size=64,
        )
    )
    session.commit()
    return forecaster


def test_deleting_a_model_removes_what_hangs_off_it(session: Session) -> None:
    alice = factories.user(session)
    forecaster = _a_model_with_everything(session, alice)

    _delete(session, Model, forecaster.id)

    for table in (ModelVersion, Deployment, Prediction, Actual, TrainingJob, BatchJob):
        assert _count(session, table) == 0, table.__name__
    assert _count(session, Dataset) == 1


def test_deleting_the_default_version_clears_the_default(session: Session) -> None:
    alice = factories.user(session)
    forecaster = _a_model_with_everything(session, alice)
    default = forecaster.default_version_id
    assert default is not None

    _delete(session, ModelVersion, default)

    assert session.get_one(Model, forecaster.id).default_version_id is None
    assert [d.percent for d in session.scalars(sa.select(Deployment))] == [50]


def test_deleting_a_dataset_keeps_the_models_trained_on_it(session: Session) -> None:
    alice = factories.user(session)
    forecaster = _a_model_with_everything(session, alice)
    assert forecaster.dataset_id is not None

    _delete(session, Dataset, forecaster.dataset_id)

    assert session.get_one(Model, forecaster.id).dataset_id is None
    assert session.scalars(sa.select(BatchJob.dataset_id)).one() is None
    assert _count(session, ModelVersion) == 2


def test_deleting_a_training_job_keeps_the_version_it_produced(session: Session) -> None:
    alice = factories.user(session)
    _a_model_with_everything(session, alice)
    job = session.scalars(sa.select(TrainingJob)).one()

    _delete(session, TrainingJob, job.id)

    assert (
        session.scalars(sa.select(ModelVersion.training_job_id).where(ModelVersion.number == 1)).one() is None
    )


def test_deleting_a_user_removes_their_resources_but_not_the_audit_trail(session: Session) -> None:
    alice, bob = factories.user(session, "alice"), factories.user(session, "bob")
    _a_model_with_everything(session, alice)
    _a_model_with_everything(session, bob)
    login = UserSession(user_id=alice.id, expires_at=datetime.now(UTC) + timedelta(days=1))
    login.refresh_tokens.append(RefreshToken(family_id="f", token_hash="h", expires_at=login.expires_at))
    session.add_all(
        [
            login,
            ApiKey(owner_id=alice.id, name="ci", prefix="qk_ab", key_hash="kh", scopes=["models:read"]),
            Notification(owner_id=alice.id, kind=NotificationKind.ALERT, title="hi"),
            AuditLog(user_id=alice.id, username="alice", action="/x", outcome=AuditOutcome.SUCCESS),
        ]
    )
    session.commit()

    _delete(session, User, alice.id)

    for table in (UserSession, RefreshToken, ApiKey, Notification):
        assert _count(session, table) == 0, table.__name__
    for kept in (Dataset, Model, ModelVersion, Prediction, TrainingJob, BatchJob):
        assert _count(session, kept) in (1, 2), kept.__name__  # bob's are still there
    assert session.scalars(sa.select(Model.owner_id).distinct()).all() == [bob.id]
    assert session.scalars(sa.select(AuditLog.username)).all() == ["alice"]


def test_a_user_with_ledger_entries_cannot_be_deleted(session: Session) -> None:
    alice, approver = factories.user(session, "alice"), factories.user(session, "approver")
    factories.transaction(session, alice, decided_by=approver.id, decided_at=datetime.now(UTC))
    session.commit()

    for who in (alice, approver):
        with pytest.raises(sa.exc.IntegrityError):
            _delete(session, User, who.id)
        session.rollback()


def test_a_reversed_transaction_cannot_be_deleted(session: Session) -> None:
    alice = factories.user(session)
    original = factories.transaction(session, alice, key="original")
    factories.transaction(
        session, alice, key="undo", type=TransactionType.REVERSAL, reversal_of_id=original.id
    )
    session.commit()

    with pytest.raises(sa.exc.IntegrityError):
        _delete(session, Transaction, original.id)
