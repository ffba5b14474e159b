"""What goes in comes back out, with the same types, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.enums import AuditOutcome, JobState, Role, TransactionType
from server.db.models import (
    Actual,
    AuditLog,
    Dataset,
    Model,
    ModelVersion,
    Prediction,
    TrainingJob,
    Transaction,
    User,
)
from tests.server.db import factories

LARGEST_AMOUNT_MINOR = 1_000_000_000_000 * 1000  # the contract's cap, in a three-decimal currency


def test_a_user_to_an_audit_log_round_trip(engine: sa.Engine, session: Session) -> None:
    alice = factories.user(session, "Alice", role=Role.ADMIN)
    data = factories.dataset(session, alice)
    data.columns = [{"name": "month", "role": "timestamp", "dtype": "timestamp[us, tz=UTC]"}]
    data.start_at = datetime(1949, 1, 1, tzinfo=UTC)
    forecaster = factories.model(session, alice, data)
    forecaster.quantiles = [0.1, 0.5, 0.9]
    job = TrainingJob(model_id=forecaster.id, owner_id=alice.id, config={"max_epochs": 20, "seed": 7})
    session.add(job)
    session.flush()
    v1 = factories.version(session, forecaster, metrics={"mase": 0.81}, training_job_id=job.id)
    forecaster.default_version_id = v1.id
    job.state = JobState.SUCCEEDED
    made = factories.prediction(session, alice, v1)
    made.forecast = {"points": [{"step": 1, "mean": 431.5, "quantiles": {"0.1": 400.0, "0.9": 460.25}}]}
    made.forecast_blob = b"\x93NUMPY\x01\x00"
    made.actuals.append(Actual(step=1, value=432.0, timestamp=datetime(1961, 1, 1, tzinfo=UTC)))
    paid = factories.transaction(
        session, alice, amount_minor=LARGEST_AMOUNT_MINOR, currency="BHD", metadata_={"invoice": "INV-7"}
    )
    session.add(
        AuditLog(
            user_id=alice.id,
            username=alice.username,
            action="/quantis.v1.ModelService/TrainModel",
            resource_type="model",
            resource_id=forecaster.id,
            outcome=AuditOutcome.SUCCESS,
            details={"job_id": job.id},
        )
    )
    session.commit()
    session.expunge_all()

    with Session(engine) as fresh:
        user = fresh.scalars(sa.select(User).where(User.username_key == "alice")).one()
        assert (user.username, user.role, user.active, user.failed_login_count) == (
            "Alice",
            Role.ADMIN,
            True,
            0,
        )
        assert user.created_at.tzinfo is UTC
        assert fresh.get_one(Dataset, data.id).columns[0]["role"] == "timestamp"
        assert fresh.get_one(Dataset, data.id).start_at == datetime(1949, 1, 1, tzinfo=UTC)
        stored_model = fresh.get_one(Model, forecaster.id)
        assert stored_model.quantiles == [0.1, 0.5, 0.9]
        assert stored_model.default_version_id == v1.id
        assert [v.number for v in stored_model.versions] == [1]
        stored_job = fresh.get_one(TrainingJob, job.id)
        assert stored_job.state is JobState.SUCCEEDED
        assert stored_job.version is not None and stored_job.version.id == v1.id
        assert fresh.get_one(ModelVersion, v1.id).metrics == {"mase": 0.81}
        stored_prediction = fresh.get_one(Prediction, made.id)
        assert stored_prediction.forecast == made.forecast
        assert stored_prediction.forecast_blob == b"\x93NUMPY\x01\x00"
        assert [(a.step, a.value) for a in stored_prediction.actuals] == [(1, 432.0)]
        stored_payment = fresh.get_one(Transaction, paid.id)
        assert stored_payment.amount_minor == LARGEST_AMOUNT_MINOR
        assert type(stored_payment.amount_minor) is int
        assert (stored_payment.currency, stored_payment.type) == ("BHD", TransactionType.DEPOSIT)
        assert stored_payment.metadata_ == {"invoice": "INV-7"}
        log = fresh.scalars(sa.select(AuditLog)).one()
        assert (log.outcome, log.details) == (AuditOutcome.SUCCESS, {"job_id": job.id})


def test_enums_are_stored_as_their_lower_case_values(session: Session) -> None:
    factories.user(session, "bob", role=Role.VIEWER)

    assert session.execute(sa.text("SELECT role FROM users")).scalar_one() == "viewer"


def test_ids_exist_as_soon_as_an_object_is_made() -> None:
    first, second = User(username="a", email="a@x"), User(username="b", email="b@x")

    assert len(first.id) == 36 and first.id != second.id


def test_datetimes_are_stored_in_utc_and_read_back_aware(session: Session) -> None:
    alice = factories.user(session)
    alice.locked_until = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    session.commit()
    session.expire_all()

    assert alice.locked_until == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert alice.locked_until.tzinfo is UTC


def test_naive_datetimes_are_refused(session: Session) -> None:
    alice = factories.user(session)
    alice.locked_until = datetime(2024, 5, 1, 12, 0)

    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.flush()


def test_keyset_pagination_orders_by_created_at_then_id(session: Session) -> None:
    alice = factories.user(session)
    same_moment = datetime(2024, 1, 1, tzinfo=UTC)
    made = [factories.dataset(session, alice, name=f"d{i}") for i in range(5)]
    for item in made:
        item.created_at = same_moment
    session.flush()
    page_one = session.scalars(
        sa.select(Dataset)
        .where(Dataset.owner_id == alice.id)
        .order_by(Dataset.created_at, Dataset.id)
        .limit(2)
    ).all()
    last = page_one[-1]
    page_two = session.scalars(
        sa.select(Dataset)
        .where(Dataset.owner_id == alice.id)
        .where(sa.tuple_(Dataset.created_at, Dataset.id) > sa.tuple_(last.created_at, last.id))
        .order_by(Dataset.created_at, Dataset.id)
    ).all()

    assert [d.id for d in [*page_one, *page_two]] == sorted(d.id for d in made)
