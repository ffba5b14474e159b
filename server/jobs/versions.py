"""What a finished training job leaves behind: the version's TorchServe archive, and its
version row, deployed when it is the model's first servable one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.database import Database
from server.db.enums import JobState, ModelVersionState
from server.db.models import Deployment, Model, ModelVersion, TrainingJob
from server.jobs import records
from server.jobs.store import ModelStore

log = logging.getLogger("server.jobs")


def package(store: ModelStore, version_dir: Path, version_id: str) -> tuple[Path | None, bool]:
    """The version's TorchServe archive, and whether it could be built (the version is recorded
    as FAILED without one)."""
    from model_store.archive import build_mar

    try:
        return build_mar(version_dir / "artifact", version_dir, store.archive_name(version_id)), True
    except Exception:
        log.warning("could not build the model archive", exc_info=True)
        return None, False


def record_version(
    db: Database,
    job_id: str,
    loaded: dict[str, Any],
    version_id: str,
    store: ModelStore,
    version_dir: Path,
    mar: Path | None,
    packaged: bool,
    result: dict[str, Any],
    seconds: float,
) -> dict[str, Any] | None:
    """Record the trained version (deployed at 100% when the model has no deployment yet) and
    finish the job with it; None, and nothing written, when the job was cancelled or deleted."""

    def write(session: Session) -> dict[str, Any] | None:
        job = session.get(TrainingJob, job_id, with_for_update=True)
        model = session.get(Model, loaded["model_id"], with_for_update=True)
        if job is None or model is None or job.state is not JobState.RUNNING or job.cancel_requested:
            return None
        latest = session.scalar(
            sa.select(sa.func.max(ModelVersion.number)).where(ModelVersion.model_id == model.id)
        )
        state = ModelVersionState.READY if packaged else ModelVersionState.FAILED
        session.add(
            ModelVersion(
                id=version_id,
                model_id=model.id,
                number=(latest or 0) + 1,
                state=state,
                metrics=result["metrics"],
                hyperparameters=result["hyperparameters"],
                artifact_path=store.relative(version_dir / "artifact"),
                mar_path=store.relative(mar) if mar is not None else None,
                training_job_id=job_id,
                data_start=result["data_range"][0],
                data_end=result["data_range"][1],
                validation_start=result["validation_range"][0],
                validation_end=result["validation_range"][1],
                parameter_count=result["parameter_count"],
                training_seconds=seconds,
            )
        )
        session.flush()
        deployed = session.scalar(sa.select(sa.func.count()).where(Deployment.model_id == model.id))
        if state is ModelVersionState.READY and not deployed:
            session.add(Deployment(model_id=model.id, version_id=version_id, percent=100, updated_by=None))
            model.default_version_id = version_id
        model.updated_at = records.now()
        previous = dict(job.progress or {})
        snapshot = records.progress(
            JobState.SUCCEEDED,
            f"version {(latest or 0) + 1} created",
            **{
                k: previous[k]
                for k in ("epoch", "total_epochs", "train_loss", "validation_loss")
                if k in previous
            },
            metrics={k: v for k, v in result["metrics"].items() if k != "points"},
        )
        job.state = JobState.SUCCEEDED
        job.finished_at = records.now()
        job.progress = snapshot
        job.config = {**job.config, "hyperparameters": result["hyperparameters"]}
        return records.finished(session, job, snapshot, version_id)

    return db.run_sync(write)
