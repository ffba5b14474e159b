"""ModelService training requests, jobs and their progress from and to domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quantis.v1 import model_service_pb2 as pb

from server.db.enums import JobState
from server.domain.forecasting.jobs import JobView
from server.domain.forecasting.train_spec import SearchSpec, TrainSpec
from server.mappers.common import from_wire, timestamp, to_timedelta
from server.mappers.model import duration, metrics_to_proto, values_from_proto, values_to_proto

JOB_STATES_PB = {s: getattr(pb, f"TRAINING_JOB_STATE_{s.name}") for s in JobState}


job_state_from_proto = from_wire(JOB_STATES_PB)


def train_spec_from_proto(request: pb.TrainModelRequest) -> TrainSpec:
    search = None
    if request.HasField("search"):
        timeout = (
            to_timedelta(request.search.timeout, "search.timeout")
            if request.search.HasField("timeout")
            else None
        )
        search = SearchSpec(request.search.n_trials, timeout, tuple(request.search.parameters))
    return TrainSpec(
        overrides=values_from_proto(request.hyperparameter_overrides),
        validation_windows=request.validation_windows,
        seed=request.seed if request.HasField("seed") else None,
        max_epochs=request.max_epochs,
        search=search,
    )


def progress_to_proto(snapshot: dict[str, Any]) -> pb.TrainingProgress:
    state = JobState(snapshot.get("state", JobState.QUEUED.value))
    update = snapshot.get("update_time")
    message = pb.TrainingProgress(
        job_id=str(snapshot.get("job_id", "")),
        state=JOB_STATES_PB[state],
        epoch=int(snapshot.get("epoch") or 0),
        total_epochs=int(snapshot.get("total_epochs") or 0),
        train_loss=float(snapshot.get("train_loss") or 0.0),
        validation_loss=float(snapshot.get("validation_loss") or 0.0),
        message=str(snapshot.get("message", "")),
        update_time=timestamp(datetime.fromisoformat(update)) if update else None,
        trial=int(snapshot.get("trial") or 0),
        total_trials=int(snapshot.get("total_trials") or 0),
        fraction_complete=float(snapshot.get("fraction_complete") or 0.0),
    )
    if snapshot.get("metrics") and "mae" in snapshot["metrics"]:
        message.validation_metrics.CopyFrom(metrics_to_proto(snapshot["metrics"]))
    if snapshot.get("eta_seconds") is not None:
        message.eta.CopyFrom(duration(float(snapshot["eta_seconds"])))
    return message


def job_to_proto(view: JobView, snapshot: dict[str, Any]) -> pb.TrainingJob:
    job = view.job
    config = job.config
    search = config.get("search")
    hyperparameters = config.get("hyperparameters", {})
    return pb.TrainingJob(
        job_id=job.id,
        model_id=job.model_id,
        owner_id=job.owner_id,
        state=JOB_STATES_PB[job.state],
        progress=progress_to_proto(snapshot),
        error_message=job.error_message if job.state is JobState.FAILED else "",
        worker=job.worker,
        version_id=view.version_id,
        hyperparameters=values_to_proto(view.model_type, hyperparameters),
        seed=int(config.get("seed", 0)),
        validation_windows=int(config.get("validation_windows", 0)),
        max_epochs=int(config.get("max_epochs", 0)),
        search=(
            pb.HyperparameterSearch(
                n_trials=int(search["n_trials"]),
                timeout=duration(float(search["timeout_seconds"])),
                parameters=list(search["parameters"]),
            )
            if search
            else None
        ),
        create_time=timestamp(job.created_at),
        start_time=timestamp(job.started_at),
        end_time=timestamp(job.finished_at),
    )
