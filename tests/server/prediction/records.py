"""A recorded prediction written straight to the database, for tests that need one to exist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.composition import Application
from server.db.base import utcnow
from server.db.enums import PredictionSource
from server.db.models import Actual, Prediction


async def recorded_prediction(
    application: Application,
    model_id: str,
    version_id: str,
    owner_id: str,
    created_at: datetime | None = None,
    actuals: int = 0,
) -> str:
    """The id of a new prediction recorded at ``created_at`` (now by default) with its first
    ``actuals`` steps observed."""

    def insert(session: Session) -> str:
        prediction = Prediction(
            owner_id=owner_id,
            model_id=model_id,
            version_id=version_id,
            horizon=2,
            quantiles=[0.1, 0.5, 0.9],
            forecast={"levels": [0.1, 0.5, 0.9], "point": [1.0, 2.0], "quantiles": [[0, 1, 2], [1, 2, 3]]},
            source=PredictionSource.UNARY,
            created_at=created_at or utcnow(),
            actuals=[Actual(step=step, value=float(step)) for step in range(1, actuals + 1)],
        )
        session.add(prediction)
        session.flush()
        return prediction.id

    return str(await application.db.run(insert))
