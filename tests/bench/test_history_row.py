"""The serving benchmark's history row: the history process really stores what it timed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.history import REQUEST_SERIES, history_row
from bench.quantis_setup import DemoVersion
from bench.report import SERIES
from server.db.models import Prediction
from tests.server.db import factories


def test_the_history_row_counts_rows_it_stored(session: Session, migrated_url: str) -> None:
    version = factories.version(session, factories.model(session, factories.user(session)))
    session.commit()
    demo = DemoVersion(version.model_id, version.id, artifact_uri="", mar_uri="")

    row = history_row(migrated_url, demo, seconds=0.3)

    stored = session.scalar(sa.select(sa.func.count()).select_from(Prediction)) or 0
    assert row.unit == SERIES and row.system == "Quantis history process"
    assert row.rate is not None and row.rate > 0
    # Every timed batch, plus the warm-up request, is in the database under that version.
    assert stored >= REQUEST_SERIES * 6 and stored % REQUEST_SERIES == 0
    versions = session.scalars(sa.select(Prediction.version_id).distinct()).all()
    assert versions == [version.id]
