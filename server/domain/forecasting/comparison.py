"""CompareModels: score versions on the same held-out window of their shared dataset and rank them."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.models import Dataset, Model, ModelVersion
from server.domain.forecasting.models import visible_model
from server.domain.forecasting.versions import visible_version
from server.errors import FailedPrecondition, InvalidArgument
from server.jobs.evaluation import METRIC_NAMES, evaluate, window_range
from server.jobs.panels import load_panel
from server.jobs.store import ModelStore
from training import load_artifact

MIN_VERSIONS, MAX_VERSIONS = 2, 10
DEFAULT_RANK_BY = "mase"


@dataclass(frozen=True)
class Row:
    version: ModelVersion
    model: Model
    metrics: dict[str, Any]
    rank: int = 0


@dataclass(frozen=True)
class Window:
    dataset_id: str
    target_column: str
    horizon: int
    start: datetime
    end: datetime
    series_count: int
    points: int
    description: str


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]
    window: Window
    rank_by: str
    best: list[tuple[str, str, float]]  # (metric, version id, value)


def badness(metric: str, value: Any) -> float:
    """Lower is better; coverage is judged by its distance from 0.8; a missing value is worst."""
    if value is None or not math.isfinite(float(value)):
        return math.inf
    return abs(float(value) - 0.8) if metric == "coverage_80" else float(value)


def rank(rows: list[Row], metric: str) -> list[Row]:
    ordered = sorted(rows, key=lambda r: badness(metric, r.metrics.get(metric)))
    scores = [badness(metric, r.metrics.get(metric)) for r in ordered]
    return [
        Row(r.version, r.model, r.metrics, 1 + sum(1 for s in scores if s < scores[i]))
        for i, r in enumerate(ordered)
    ]


class ModelComparison:
    def __init__(self, db: Any, store: ModelStore, threads: int = 1):
        self._db = db
        self._store = store
        self._threads = threads

    async def compare(
        self, principal: Principal, version_ids: list[str], model_ids: list[str], rank_by: str | None
    ) -> Comparison:
        metric = rank_by or DEFAULT_RANK_BY
        named = [(f"version_ids[{i}]", v) for i, v in enumerate(version_ids)]
        named += [(f"model_ids[{i}]", m) for i, m in enumerate(model_ids)]
        if not MIN_VERSIONS <= len(named) <= MAX_VERSIONS:
            raise InvalidArgument.field(
                "version_ids", f"name {MIN_VERSIONS} to {MAX_VERSIONS} versions in all"
            )

        def resolve(session: Session) -> tuple[list[tuple[ModelVersion, Model]], Dataset, str]:
            chosen: list[tuple[ModelVersion, Model]] = []
            seen: set[str] = set()
            for field, ident in named:
                if field.startswith("version_ids"):
                    version = visible_version(session, principal, ident, field)
                else:
                    model = visible_model(session, principal, ident, field)
                    if model.default_version_id is None:
                        raise InvalidArgument.field(field, "the model has no deployed version")
                    version = visible_version(session, principal, model.default_version_id, field)
                if version.id in seen:
                    raise InvalidArgument.field(
                        field, "names a version already named; versions must be distinct"
                    )
                seen.add(version.id)
                model = version.model
                if chosen:
                    first = chosen[0][1]
                    if (model.dataset_id, model.target_column) != (first.dataset_id, first.target_column):
                        raise InvalidArgument.field(
                            field, "is trained on another dataset or target column than the first version"
                        )
                chosen.append((version, model))
            first_model = chosen[0][1]
            dataset = session.get(Dataset, first_model.dataset_id) if first_model.dataset_id else None
            if dataset is None:
                raise FailedPrecondition("the versions' dataset has been deleted", reason="DATASET_DELETED")
            return chosen, dataset, first_model.target_column

        chosen, dataset, target = await self._db.run(resolve)
        horizon = min(model.horizon for _, model in chosen)
        return await asyncio.to_thread(self._score, chosen, dataset, target, horizon, metric)

    def _score(
        self,
        chosen: list[tuple[ModelVersion, Model]],
        dataset: Dataset,
        target: str,
        horizon: int,
        metric: str,
    ) -> Comparison:
        import torch

        torch.set_num_threads(self._threads)
        frequency = chosen[0][1].frequency
        panel = load_panel(
            self._store.path(dataset.storage_path),
            dataset.columns,
            target,
            frequency.value if frequency else None,
        ).select(horizon + 2)
        rows = []
        for version, model in chosen:
            forecaster = load_artifact(self._store.path(version.artifact_path))
            rows.append(Row(version, model, evaluate(forecaster, panel, horizon, 1)))
        ranked = rank(rows, metric)
        best = []
        for name in METRIC_NAMES:
            top = rank(ranked, name)[0]
            value = top.metrics.get(name)
            best.append((name, top.version.id, float(value) if value is not None else math.nan))
        start, end = window_range(panel, horizon)
        points = int(ranked[0].metrics.get("points", 0))
        description = (
            f"last {horizon} steps ({start.date()} to {end.date()}, end exclusive) of {len(panel)} series "
            f"of dataset {dataset.name!r}, each forecast from the step before"
        )
        window = Window(dataset.id, target, horizon, start, end, len(panel), points, description)
        return Comparison(ranked, window, metric, best)
