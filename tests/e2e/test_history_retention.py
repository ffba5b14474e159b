"""`quantis serve` with a history retention deletes what is past it while it runs."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.base import utcnow
from server.db.engine import create_engine
from server.db.models import Prediction
from tests.e2e.conftest import WITH_ADMIN, launch
from tests.server.db import factories

pytestmark = pytest.mark.e2e


def test_a_running_server_prunes_the_history_past_its_retention(tmp_path: Path) -> None:
    settings = {**WITH_ADMIN, "QUANTIS_HISTORY_RETENTION_DAYS": "30", "QUANTIS_HISTORY_PRUNE_SECONDS": "0.2"}
    with launch(tmp_path, settings):
        engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'quantis.db'}")
        try:
            with Session(engine) as session:
                owner = factories.user(session)
                version = factories.version(session, factories.model(session, owner))
                old = factories.prediction(session, owner, version)
                old.created_at = utcnow() - timedelta(days=31)
                recent = factories.prediction(session, owner, version)
                session.commit()
                old_id, recent_id = old.id, recent.id

            deadline = time.monotonic() + 20
            stored = {old_id}
            while old_id in stored and time.monotonic() < deadline:
                time.sleep(0.2)
                with engine.connect() as connection:
                    stored = set(connection.scalars(sa.select(Prediction.id)))
            assert stored == {recent_id}
        finally:
            engine.dispose()
