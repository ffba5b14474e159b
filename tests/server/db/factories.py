"""Small builders for a consistent object graph; each adds and flushes what it makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from server.db.enums import (
    AlertKind,
    AlertSeverity,
    AlertState,
    DatasetFormat,
    ModelType,
    PredictionSource,
    RiskLevel,
    Role,
    TransactionStatus,
    TransactionType,
)
from server.db.models import Alert, Dataset, Model, ModelVersion, Prediction, Transaction, User

T0 = datetime(2024, 1, 1, tzinfo=UTC)
T = TypeVar("T")


def _flushed(session: Session, obj: T) -> T:
    session.add(obj)
    session.flush()
    return obj


def user(session: Session, name: str = "alice", role: Role = Role.ANALYST) -> User:
    return _flushed(
        session,
        User(username=name, email=f"{name}@example.com", password_hash="$argon2id$v=19$test", role=role),
    )


def dataset(session: Session, owner: User, name: str = "air passengers") -> Dataset:
    return _flushed(
        session,
        Dataset(
            owner_id=owner.id, name=name, format=DatasetFormat.CSV, storage_path="ds.parquet", sha256="0" * 64
        ),
    )


def model(session: Session, owner: User, data: Dataset | None = None, name: str = "lstm") -> Model:
    return _flushed(
        session,
        Model(
            owner_id=owner.id,
            name=name,
            model_type=ModelType.LSTM,
            dataset_id=data.id if data else None,
            target_column="passengers",
            horizon=12,
        ),
    )


def version(session: Session, of: Model, number: int = 1, **fields: Any) -> ModelVersion:
    return _flushed(
        session,
        ModelVersion(model_id=of.id, number=number, artifact_path=f"models/{of.id}/{number}", **fields),
    )


def prediction(session: Session, owner: User, answered_by: ModelVersion) -> Prediction:
    return _flushed(
        session,
        Prediction(
            owner_id=owner.id,
            model_id=answered_by.model_id,
            version_id=answered_by.id,
            series_id="s1",
            horizon=3,
            source=PredictionSource.UNARY,
        ),
    )


def transaction(session: Session, owner: User, key: str = "key-1", **fields: Any) -> Transaction:
    values: dict[str, Any] = {
        "owner_id": owner.id,
        "idempotency_key": key,
        "request_fingerprint": "f" * 64,
        "amount_minor": 12_345,
        "currency": "USD",
        "type": TransactionType.DEPOSIT,
        "status": TransactionStatus.COMPLETED,
        "risk_level": RiskLevel.LOW,
    } | fields
    return _flushed(session, Transaction(**values))


def alert(session: Session, key: str, state: AlertState = AlertState.OPEN) -> Alert:
    return _flushed(
        session,
        Alert(
            kind=AlertKind.DRIFT,
            severity=AlertSeverity.WARNING,
            state=state,
            title="drift",
            dedup_key=key,
            created_at=T0 + timedelta(minutes=1),
        ),
    )
