"""The training worker function: one job, start to end, in whatever process runs it.

``run_training_job`` loads the job, its model and dataset by id, trains with
progress and cancellation, writes the artifact and the TorchServe archive to the
object store, and records the new version, all through the database; the local
process pool and Celery workers call it alike.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from server.db.base import new_id
from server.db.database import Database
from server.db.enums import JobState
from server.db.models import Dataset, Model
from server.jobs import records
from server.jobs.evaluation import data_range, evaluate, head, window_range
from server.jobs.panels import load_panel
from server.jobs.progress import Reporter, Stopped, Watchdog
from server.jobs.publish import NullPublisher, Publisher, QueuePublisher, RedisPublisher
from server.jobs.store import ModelStore
from server.jobs.versions import package, record_version
from training import (
    MODEL_TYPES,
    Forecaster,
    Panel,
    TrainingCancelled,
    create_forecaster,
    save_artifact,
)
from training.tuning import tune

log = logging.getLogger("server.jobs")


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs to reach the job's world; plain values, so it pickles."""

    database_url: str
    store_dir: str
    redis_url: str = ""
    events_prefix: str = ""
    heartbeat_seconds: float = 5.0
    threads: int = 1


def make_publisher(config: WorkerConfig, queue: Any | None) -> Publisher:
    if config.redis_url:
        return RedisPublisher(config.redis_url, config.events_prefix)
    if queue is not None:
        return QueuePublisher(queue)
    return NullPublisher()


def run_training_job(job_id: str, config: WorkerConfig, queue: Any | None = None, worker: str = "") -> str:
    """Run one job; returns its final state's value ("skipped" when it was not queued)."""
    name = worker or f"{socket.gethostname()}:{os.getpid()}"
    db = Database.connect(config.database_url)
    publisher = make_publisher(config, queue)
    try:
        return _run(db, job_id, config, publisher, name)
    finally:
        publisher.close()
        db.dispose()


def _load(session: Session, job_id: str, worker: str) -> dict[str, Any] | None:
    job = records.claim(session, job_id, worker)
    if job is None:
        return None
    model = session.get(Model, job.model_id)
    dataset = session.get(Dataset, model.dataset_id) if model and model.dataset_id else None
    return {
        "started": records.state_change(job, dict(job.progress)),
        "config": dict(job.config),
        "model_id": job.model_id,
        "model_type": model.model_type.value.upper() if model else "",
        "horizon": model.horizon if model else 0,
        "frequency": model.frequency.value if model and model.frequency else None,
        "target": model.target_column if model else "",
        "dataset": (
            {"path": dataset.storage_path, "columns": list(dataset.columns)} if dataset is not None else None
        ),
    }


def _run(db: Database, job_id: str, config: WorkerConfig, publisher: Publisher, worker: str) -> str:
    loaded = db.run_sync(lambda s: _load(s, job_id, worker))
    if loaded is None:
        return "skipped"
    publisher.publish(loaded["started"])  # QUEUED -> RUNNING, for the job's and its owner's watchers
    store = ModelStore(Path(config.store_dir))
    version_id = new_id()
    version_dir = store.version_dir(loaded["model_id"], version_id)
    reporter = Reporter(db, job_id, publisher, MODEL_TYPES[loaded["model_type"]].deep)
    started = time.monotonic()
    try:
        with Watchdog(db, job_id, config.heartbeat_seconds) as watchdog:
            reporter.status("loading the dataset", 0.0)
            result = _train(loaded, store, version_dir, reporter, watchdog, config.threads)
            if watchdog.check():
                raise Stopped
        reporter.status("packaging the model archive", 0.95)
        mar, packaged = package(store, version_dir, version_id)
        final = record_version(
            db,
            job_id,
            loaded,
            version_id,
            store,
            version_dir,
            mar,
            packaged,
            result,
            time.monotonic() - started,
        )
        if final is None:
            raise Stopped
        publisher.publish(final)
        return JobState.SUCCEEDED.value
    except (Stopped, TrainingCancelled):
        shutil.rmtree(version_dir, ignore_errors=True)
        return JobState.CANCELLED.value
    except Exception as exc:
        shutil.rmtree(version_dir, ignore_errors=True)
        log.warning("training job failed", exc_info=True, extra={"job_id": job_id})
        message = str(exc) or type(exc).__name__
        failed = db.run_sync(lambda s: records.fail(s, job_id, message))
        if failed is not None:
            publisher.publish(failed)
        return JobState.FAILED.value


def _train(
    loaded: dict[str, Any],
    store: ModelStore,
    version_dir: Path,
    reporter: Reporter,
    watchdog: Watchdog,
    threads: int,
) -> dict[str, Any]:
    import torch

    torch.set_num_threads(threads)
    if loaded["dataset"] is None:
        raise ValueError("the model's dataset has been deleted")
    job_config = loaded["config"]
    horizon, windows = int(loaded["horizon"]), int(job_config.get("validation_windows", 1))
    panel = load_panel(
        store.path(loaded["dataset"]["path"]),
        loaded["dataset"]["columns"],
        loaded["target"],
        loaded["frequency"],
    )
    held_out = horizon * windows
    panel = panel.select(held_out + horizon + 1)
    fitted = head(panel, held_out)
    hyperparameters = dict(job_config["hyperparameters"])
    search = job_config.get("search")
    if search:
        hyperparameters = _search(
            loaded["model_type"], fitted, horizon, hyperparameters, search, reporter, watchdog
        )
    model: Forecaster = create_forecaster(loaded["model_type"], hyperparameters)
    reporter.status(f"training on {len(panel)} series", 0.02)
    model.fit(fitted, horizon, on_epoch=reporter.epoch, should_cancel=watchdog.check)
    if watchdog.check():
        raise Stopped
    reporter.status("scoring the validation windows", 0.9)
    metrics = evaluate(model, panel, horizon, windows)
    save_artifact(model, version_dir / "artifact", fitted, {"validation": metrics})
    return {
        "metrics": metrics,
        "hyperparameters": hyperparameters,
        "parameter_count": parameter_count(model),
        "data_range": data_range(panel, held_out),
        "validation_range": window_range(panel, held_out),
    }


def _search(
    model_type: str,
    panel: Panel,
    horizon: int,
    hyperparameters: dict[str, Any],
    search: dict[str, Any],
    reporter: Reporter,
    watchdog: Watchdog,
) -> dict[str, Any]:
    """Tune the searched hyperparameters on the training part only; the rest stay as given."""
    specs = {hp.name: hp for hp in MODEL_TYPES[model_type].hyperparameters}
    space = {name: specs[name] for name in search["parameters"]}
    fixed = {name: value for name, value in hyperparameters.items() if name not in space}
    reporter.trial(0, int(search["n_trials"]), None)
    result = tune(
        model_type,
        panel,
        horizon,
        n_trials=int(search["n_trials"]),
        space=space,
        fixed=fixed,
        seed=int(hyperparameters.get("seed", 0)),
        timeout=float(search["timeout_seconds"]),
        on_trial=reporter.trial,
        should_cancel=watchdog.check,
    )
    if watchdog.check():
        raise Stopped
    return result.best_hyperparameters


def parameter_count(model: Forecaster) -> int:
    """Trainable parameters of a deep model's networks; 0 for models fitted at prediction time."""
    nets = getattr(model, "nets", [])
    return int(sum(p.numel() for net in nets for p in net.parameters() if p.requires_grad))
