"""The demo model: on a first start, AirPassengers and a small LSTM trained and deployed for it.

Runs once, when the database holds no model yet and an admin exists (QUANTIS_ADMIN_*):
the AirPassengers series that ships with the forecasting core is stored as a dataset of
the first admin, a small LSTM is created on it, and a training job is queued through the
normal job runner. The first READY version of a model deploys itself, so the model
answers Predict as soon as the job succeeds (well under a minute).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import training.datasets
from server.auth.permissions import ROLE_PERMISSIONS, Role
from server.auth.principal import Principal
from server.db.enums import DatasetFormat, Frequency, ModelType
from server.db.models import Model, User
from server.domain.datasets.service import DatasetService
from server.domain.datasets.spec import DatasetSpec
from server.domain.forecasting.jobs import TrainingJobs
from server.domain.forecasting.models import ModelCatalog
from server.domain.forecasting.specs import ModelSpec
from server.domain.forecasting.train_spec import TrainSpec

log = logging.getLogger(__name__)

AIRPASSENGERS = Path(training.datasets.__file__).resolve().parent / "demo_airpassengers_monthly.csv"
DEMO_MODEL_NAME = "demo-airpassengers-lstm"
DEMO_HYPERPARAMETERS: dict[str, Any] = {"hidden_size": 16, "ensemble_size": 1, "max_epochs": 30}


@dataclass(frozen=True)
class DemoModel:
    dataset_id: str
    model_id: str
    job_id: str


def _first_admin(session: Any) -> User | None:
    if session.scalar(sa.select(sa.func.count()).select_from(Model)):
        return None  # not a first start
    admin: User | None = session.scalars(
        sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.created_at)
    ).first()
    if admin is not None:
        session.expunge(admin)
    return admin


async def bootstrap_demo(
    db: Any, datasets: DatasetService, catalog: ModelCatalog, jobs: TrainingJobs
) -> DemoModel | None:
    """Create the demo dataset and model and queue its training; None when not a first start."""
    admin = await db.run(_first_admin)
    if admin is None:
        log.info("demo model skipped: models exist already, or no admin to own it")
        return None
    owner = Principal(admin.id, admin.username, Role.ADMIN, ROLE_PERMISSIONS[Role.ADMIN])
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / AIRPASSENGERS.name
        shutil.copyfile(AIRPASSENGERS, copy)
        dataset = await datasets.ingest(
            admin.id,
            DatasetSpec(
                name="AirPassengers (demo)",
                format=DatasetFormat.CSV,
                timestamp_column="timestamp",
                value_columns=("value",),
                series_id_column="series_id",
                frequency=Frequency.MONTHLY,
                description="Monthly airline passengers 1949-1960 (Box & Jenkins).",
            ),
            copy,
        )
    model = await catalog.create(
        owner,
        ModelSpec(
            name=DEMO_MODEL_NAME,
            type=ModelType.LSTM,
            dataset_id=dataset.id,
            horizon=12,
            target_column="value",
            frequency=Frequency.MONTHLY,
            hyperparameters=dict(DEMO_HYPERPARAMETERS),
            description="Demo model, trained and deployed at first start.",
        ),
    )
    job = await jobs.train(owner, model.model.id, TrainSpec(seed=0))
    log.info("demo model queued for training", extra={"model_id": model.model.id, "job_id": job.job.id})
    return DemoModel(dataset.id, model.model.id, job.job.id)
