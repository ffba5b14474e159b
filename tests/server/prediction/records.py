"""A recorded prediction written straight to the database, for tests that need one to exist."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.composition import Application
from server.db.enums import PredictionSource
from server.db.models import Prediction


async def recorded_prediction(application: Application, model_id: str, version_id: str, owner_id: str) -> str:
    def insert(session: Session) -> str:
        prediction = Prediction(
            owner_id=owner_id,
            model_id=model_id,
            version_id=version_id,
            horizon=2,
            quantiles=[0.1, 0.5, 0.9],
            forecast={"levels": [0.1, 0.5, 0.9], "point": [1.0, 2.0], "quantiles": [[0, 1, 2], [1, 2, 3]]},
            source=PredictionSource.UNARY,
        )
        session.add(prediction)
        session.flush()
        return prediction.id

    return str(await application.db.run(insert))
