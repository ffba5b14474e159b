"""Rows for tests that need a finished job and a version without training one."""

from __future__ import annotations

from server.composition import Application
from server.db.enums import JobState
from server.db.models import ModelVersion, TrainingJob


async def finished_job_and_version(application: Application, model_id: str, owner_id: str) -> tuple[str, str]:
    """A SUCCEEDED job of ``model_id`` and the READY version it produced: (job id, version id)."""

    def insert(session: object) -> tuple[str, str]:
        job = TrainingJob(model_id=model_id, owner_id=owner_id, state=JobState.SUCCEEDED, config={})
        session.add(job)  # type: ignore[attr-defined]
        session.flush()  # type: ignore[attr-defined]
        version = ModelVersion(
            model_id=model_id, number=1, artifact_path="models/none", training_job_id=job.id
        )
        session.add(version)  # type: ignore[attr-defined]
        session.flush()  # type: ignore[attr-defined]
        return job.id, version.id

    return await application.db.run(insert)  # type: ignore[arg-type]
