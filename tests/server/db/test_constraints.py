"""Each constraint here rejects what it must: removing one makes its test fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.db.enums import AlertKind, AlertSeverity, AlertState, TransactionStatus, TransactionType
from server.db.models import (
    Actual,
    Alert,
    Deployment,
    ModelVersion,
    Prediction,
    RefreshToken,
    User,
    UserSession,
)
from server.db.models.monitoring import OPEN_ALERT
from tests.server.db import factories


def _rejected(session: Session) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_an_idempotency_key_is_unique_per_owner(session: Session) -> None:
    alice, bob = factories.user(session, "alice"), factories.user(session, "bob")
    factories.transaction(session, alice, key="retry-me")
    factories.transaction(session, bob, key="retry-me")  # another owner may use the same key
    session.commit()

    with pytest.raises(sa.exc.IntegrityError):
        factories.transaction(session, alice, key="retry-me", amount_minor=999)
    session.rollback()


def test_a_model_version_number_is_unique_per_model(session: Session) -> None:
    alice = factories.user(session)
    first, second = factories.model(session, alice, name="a"), factories.model(session, alice, name="b")
    factories.version(session, first, 1)
    factories.version(session, second, 1)
    session.commit()

    session.add(ModelVersion(model_id=first.id, number=1, artifact_path="dup"))
    _rejected(session)


def test_usernames_and_emails_are_unique_whatever_their_case(session: Session) -> None:
    factories.user(session, "alice")
    session.commit()

    session.add(User(username="ALICE", email="other@example.com", password_hash="x"))
    _rejected(session)
    session.add(User(username="alice2", email="Alice@Example.com", password_hash="x"))
    _rejected(session)


def test_a_refresh_token_hash_is_unique(session: Session) -> None:
    alice = factories.user(session)
    login = UserSession(user_id=alice.id, expires_at=datetime.now(UTC) + timedelta(days=7))
    session.add(login)
    later = datetime.now(UTC) + timedelta(days=7)
    login.refresh_tokens.append(RefreshToken(family_id=login.id, token_hash="h1", expires_at=later))
    session.commit()

    login.refresh_tokens.append(RefreshToken(family_id=login.id, token_hash="h1", expires_at=later))
    _rejected(session)


def test_an_actual_is_unique_per_prediction_step(session: Session) -> None:
    alice = factories.user(session)
    made = factories.prediction(session, alice, factories.version(session, factories.model(session, alice)))
    session.add(Actual(prediction_id=made.id, step=1, value=1.0))
    session.commit()

    session.add(Actual(prediction_id=made.id, step=1, value=2.0))
    _rejected(session)


def test_a_version_must_belong_to_the_model_it_is_recorded_under(session: Session) -> None:
    alice = factories.user(session)
    mine, other = factories.model(session, alice, name="mine"), factories.model(session, alice, name="other")
    other_version = factories.version(session, other)
    session.commit()

    session.add(Deployment(model_id=mine.id, version_id=other_version.id, percent=100))
    _rejected(session)
    session.add(
        Prediction(
            owner_id=alice.id, model_id=mine.id, version_id=other_version.id, horizon=1, source="unary"
        )
    )
    _rejected(session)


def test_amounts_are_positive_and_currencies_three_letters(session: Session) -> None:
    alice = factories.user(session)
    session.commit()

    for bad in ({"amount_minor": 0}, {"amount_minor": -5}, {"currency": "US"}):
        with pytest.raises(sa.exc.IntegrityError):
            factories.transaction(session, alice, **bad)
        session.rollback()


def test_a_reversal_names_its_original_and_only_a_reversal_does(session: Session) -> None:
    alice = factories.user(session)
    original = factories.transaction(session, alice, key="original")
    session.commit()

    with pytest.raises(sa.exc.IntegrityError):
        factories.transaction(session, alice, key="orphan", type=TransactionType.REVERSAL)
    session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        factories.transaction(session, alice, key="not-a-reversal", reversal_of_id=original.id)
    session.rollback()
    factories.transaction(
        session, alice, key="undo", type=TransactionType.REVERSAL, reversal_of_id=original.id
    )
    session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        factories.transaction(
            session, alice, key="undo-again", type=TransactionType.REVERSAL, reversal_of_id=original.id
        )
    session.rollback()


def test_a_rejected_reversal_does_not_hold_its_original(session: Session) -> None:
    alice = factories.user(session)
    original = factories.transaction(session, alice, key="original")
    session.commit()
    for key in ("rejected", "failed"):
        factories.transaction(
            session,
            alice,
            key=key,
            type=TransactionType.REVERSAL,
            status=TransactionStatus(key),
            reversal_of_id=original.id,
        )
    live = factories.transaction(
        session,
        alice,
        key="held",
        type=TransactionType.REVERSAL,
        status=TransactionStatus.PENDING_REVIEW,
        reversal_of_id=original.id,
    )
    session.commit()
    session.refresh(original)
    assert original.reversed_by is not None and original.reversed_by.id == live.id
    with pytest.raises(sa.exc.IntegrityError):
        factories.transaction(
            session, alice, key="second-live", type=TransactionType.REVERSAL, reversal_of_id=original.id
        )
    session.rollback()


def test_only_one_unresolved_alert_per_dedup_key(session: Session) -> None:
    first = factories.alert(session, "drift/m/v")
    session.commit()

    with pytest.raises(sa.exc.IntegrityError):
        factories.alert(session, "drift/m/v")
    session.rollback()
    first.state = AlertState.ACKNOWLEDGED
    session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        factories.alert(session, "drift/m/v")
    session.rollback()

    first.state = AlertState.RESOLVED
    session.commit()
    factories.alert(session, "drift/m/v")  # the condition fires again: a new alert
    factories.alert(session, "drift/m/other")
    session.commit()


def test_a_repeat_firing_can_upsert_into_the_open_alert(session: Session) -> None:
    """The dedup index is a valid ON CONFLICT target on both backends, so raising
    an alert is one race-free statement."""
    factories.alert(session, "error_rate/Predict", state=AlertState.RESOLVED)
    factories.alert(session, "error_rate/Predict")
    session.commit()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    fire = insert(Alert).values(
        kind=AlertKind.ERROR_RATE,
        severity=AlertSeverity.WARNING,
        title="error rate",
        dedup_key="error_rate/Predict",
        value=0.3,
    )
    fire = fire.on_conflict_do_update(
        index_elements=[Alert.dedup_key],
        index_where=OPEN_ALERT,
        set_={"occurrences": Alert.occurrences + 1, "value": fire.excluded.value},
    )

    session.execute(fire)
    session.commit()

    rows = session.execute(sa.select(Alert.state, Alert.occurrences, Alert.value).order_by(Alert.state)).all()
    assert [tuple(row) for row in rows] == [(AlertState.OPEN, 2, 0.3), (AlertState.RESOLVED, 1, 0.0)]
