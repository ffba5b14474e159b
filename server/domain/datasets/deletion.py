"""Which dataset may be deleted: one no queued or running training job is about to read.

A training job reads its model's dataset when a worker starts it and trains on it until it
ends, so a dataset is not deleted under one (the contract's DeleteDataset): the caller
cancels the job, or lets it end, first. A model's version already trained stays, whatever
becomes of its dataset.

Locks, in the order the other writers take them: the dataset's models (TrainModel locks its
model before it reads the dataset), then the dataset (CreateModel share-locks it, so once it
is ours no model is added to it), then any model the first lock missed. A TrainModel of one
of them has committed its job by the time its model's lock is ours, and one that comes after
finds the model without a dataset (DATASET_DELETED).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.locks import lock_rows
from server.db.models import Dataset, Model, TrainingJob
from server.errors import FailedPrecondition, NotFound, PreconditionViolation
from server.jobs.records import ACTIVE_STATES


def deletable(session: Session, principal: Principal, dataset_id: str) -> Dataset:
    """The caller's dataset, locked with its models until the transaction ends; NOT_FOUND if
    it is not theirs, FAILED_PRECONDITION (reason TRAINING_JOB_ACTIVE) naming the job and its
    model if a training job of one of its models is queued or running."""
    models_on_it = sa.select(Model).where(Model.dataset_id == dataset_id)
    lock_rows(session, models_on_it)
    dataset = next(iter(lock_rows(session, sa.select(Dataset).where(Dataset.id == dataset_id))), None)
    if dataset is None or (dataset.owner_id != principal.user_id and not principal.is_admin):
        raise NotFound("dataset", dataset_id)
    model_ids = [model.id for model in lock_rows(session, models_on_it)]
    active = session.scalars(
        sa.select(TrainingJob)
        .where(TrainingJob.model_id.in_(model_ids), TrainingJob.state.in_(ACTIVE_STATES))
        .order_by(TrainingJob.created_at)
    ).all()
    if active:
        first = active[0]
        raise FailedPrecondition(
            f"dataset {dataset_id} is in use: training job {first.id} of model {first.model_id} is "
            f"{first.state.value}"
            + (f" (and {len(active) - 1} more)" if len(active) > 1 else "")
            + "; cancel it with CancelTrainingJob or let it end, then delete the dataset",
            reason="TRAINING_JOB_ACTIVE",
            metadata={"job_id": first.id, "model_id": first.model_id},
            violations=[
                PreconditionViolation("TRAINING_JOB_ACTIVE", f"training_jobs/{job.id}", "still active")
                for job in active
            ],
        )
    return dataset
