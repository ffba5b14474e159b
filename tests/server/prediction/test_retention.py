"""The history's retention: predictions older than it go, with their actuals; the rest stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.composition import Application
from server.db.base import utcnow
from server.db.enums import PredictionSource
from server.db.models import Actual, Prediction, PredictionFailure
from server.domain.prediction.retention import HistoryRetention
from server.settings import Settings
from tests.server.prediction.conftest import caller, deploy_model
from tests.server.prediction.records import recorded_prediction


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings.model_copy(update={"history_retention_days": 30})


async def _stored(application: Application) -> tuple[set[str], int]:
    """The ids of the stored predictions, and how many actuals are stored."""
    return await application.db.run(
        lambda s: (
            set(s.scalars(sa.select(Prediction.id))),
            s.scalar(sa.select(sa.func.count()).select_from(Actual)) or 0,
        )
    )


async def test_predictions_past_the_retention_go_with_their_actuals(
    application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    first = await deploy_model(application, ana.user_id, artifacts)
    second = await deploy_model(application, ana.user_id, artifacts)
    now = utcnow()
    kept = []
    recorded = [(first, 45, 3), (first, 31, 0), (second, 40, 2), (first, 29, 2), (second, 1, 0)]
    for model, days, actuals in recorded:
        made = await recorded_prediction(
            application, model.model_id, model.versions[0], ana.user_id, now - timedelta(days=days), actuals
        )
        if days < 30:
            kept.append(made)

    def failures(session: Session) -> None:
        for days in (45, 1):  # failures recorded for the stats age out the same way
            session.add(
                PredictionFailure(
                    owner_id=ana.user_id,
                    model_id=first.model_id,
                    version_id=first.versions[0],
                    source=PredictionSource.UNARY,
                    reason="FIELD_INVALID",
                    created_at=now - timedelta(days=days),
                )
            )

    await application.db.run(failures)
    retention = application.history_retention
    assert retention.days == 30
    assert await retention.prune_once() == 3

    assert await _stored(application) == (set(kept), 2)
    ages = await application.db.run(
        lambda s: [(now - c).days for c in s.scalars(sa.select(PredictionFailure.created_at))]
    )
    assert ages == [1]
    pruned = application.metrics.registry.get_sample_value("quantis_prediction_history_pruned_rows_total")
    assert pruned == 3
    assert await retention.prune_once() == 0


async def test_a_long_backlog_goes_a_chunk_at_a_time_and_zero_keeps_everything(
    application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    long_ago = utcnow() - timedelta(days=60)
    made = [
        await recorded_prediction(application, model.model_id, model.versions[0], ana.user_id, long_ago, 1)
        for _ in range(7)
    ]

    assert await HistoryRetention(application.db, 0, chunk_rows=3).prune_once() == 0
    assert await _stored(application) == (set(made), 7)

    rounds: list[int] = []
    chunked = HistoryRetention(application.db, 30, chunk_rows=3, on_pruned=rounds.append)
    # 3 + 3 + 1: a full chunk is followed by another until one comes back short.
    assert await chunked.prune_once() == 7
    assert rounds == [7]
    assert await _stored(application) == (set(), 0)
