"""GetModelDrift's report: a version's recent prediction inputs against its training profile,
and its live accuracy (from submitted actuals) against its validation metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from server.auth.principal import Principal
from server.db.models import Model, ModelVersion, Prediction
from server.domain.forecasting.models import require, visible_model
from server.domain.monitoring.drift import (
    FeatureDrift,
    Level,
    Thresholds,
    compare,
    overall,
    pack_samples,
    recent_features,
    validation_metrics,
)
from server.domain.prediction.blobs import packed_samples
from server.domain.prediction.stats import live_metrics, version_scales
from server.errors import FailedPrecondition, InvalidArgument, NotFound
from server.jobs.store import ModelStore
from training.artifacts import load_profile
from training.profile import F64, FeatureProfile

MAX_PREDICTIONS = 100_000
CACHED_PROFILES = 256


@dataclass(frozen=True)
class Window:
    """The most recent ``last`` predictions, or those made in [start, end) (each end optional)."""

    last: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    def check(self) -> Window:
        if self.last is not None and not 1 <= self.last <= MAX_PREDICTIONS:
            raise InvalidArgument.field("window.last_predictions", f"must be from 1 to {MAX_PREDICTIONS}")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise InvalidArgument.field("window.time_range", "start_time must be before end_time")
        return self


@dataclass(frozen=True)
class DriftReport:
    model_id: str
    model_name: str
    owner_id: str
    version_id: str
    version_number: int
    features: list[FeatureDrift]
    score: float
    level: Level
    window: Window
    prediction_count: int
    live: dict[str, float]
    validation: dict[str, Any]
    degraded: bool
    computed_at: datetime


@dataclass(frozen=True)
class _Gathered:
    model: Model
    version: ModelVersion
    values: F64
    """The recent inputs' samples, packed (see recent_features)."""
    lengths: npt.NDArray[np.int32]
    predictions: int
    live: dict[str, float]


class DriftReports:
    def __init__(
        self,
        db: Any,
        store: ModelStore,
        thresholds: Thresholds,
        default_window: int = 1000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._store = store
        self._thresholds = thresholds
        self._default = Window(last=default_window)
        self._now = clock
        self._profiles: dict[str, dict[str, FeatureProfile]] = {}

    async def report(
        self, principal: Principal | None, model_id: str, version_id: str, window: Window | None = None
    ) -> DriftReport:
        """The report for a version the principal can see (``None``: the server's own checks)."""
        resolved = (window or self._default).check()
        gathered = await self._db.run(lambda s: self._gather(s, principal, model_id, version_id, resolved))
        profile = await self._profile(gathered.version)
        return await asyncio.to_thread(self._build, gathered, profile, resolved)

    def _gather(
        self, session: Session, principal: Principal | None, model_id: str, version_id: str, window: Window
    ) -> _Gathered:
        if principal is None:
            model = session.get(Model, model_id)
            if model is None:
                raise NotFound("model", model_id)
        else:
            model = visible_model(session, principal, model_id)
        version = session.get(ModelVersion, require(version_id, "version_id"))
        if version is None or version.model_id != model.id:
            raise NotFound("model version", version_id)
        where = [Prediction.model_id == model.id, Prediction.version_id == version.id]
        if window.start is not None:
            where.append(Prediction.created_at >= window.start)
        if window.end is not None:
            where.append(Prediction.created_at < window.end)

        def recent(*columns: Any) -> sa.Select[Any]:
            newest_first = (Prediction.created_at.desc(), Prediction.id.desc())
            return (
                sa.select(*columns)
                .where(*where)
                .order_by(*newest_first)
                .limit(window.last or MAX_PREDICTIONS)
            )

        # Only the summaries' bytes (the JSON one for rows stored before they were packed), not
        # whole records: this runs in the server's process for every deployed version each
        # check, and a thousand records built and read one by one there held the interpreter
        # lock long enough (about 0.1 s) to stall the requests being served.
        before_packing = sa.case((Prediction.input_blob.is_(None), Prediction.input_summary))
        summaries = session.execute(recent(Prediction.input_blob, before_packing)).all()
        values, lengths = packed_samples([row[0] for row in summaries if row[0] is not None])
        older = pack_samples((row[1] or {}).get("sample") or [] for row in summaries if row[0] is None)
        measured = session.scalars(
            sa.select(Prediction)
            .where(Prediction.id.in_(recent(Prediction.id).scalar_subquery()), Prediction.actuals.any())
            .options(selectinload(Prediction.actuals))
        ).all()
        live, _ = live_metrics(measured, version_scales(session, {version.id}))
        return _Gathered(
            model,
            version,
            np.concatenate([values, older[0]]),
            np.concatenate([lengths, older[1]]),
            len(summaries),
            live,
        )

    async def _profile(self, version: ModelVersion) -> dict[str, FeatureProfile]:
        """The version's training profile; artifacts never change, so each is read once."""
        if version.id not in self._profiles:
            path = self._store.path(version.artifact_path)
            try:
                loaded = await asyncio.to_thread(load_profile, path)
            except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, KeyError) as error:
                raise FailedPrecondition(
                    f"model version {version.id!r} has no training data profile",
                    reason="NO_TRAINING_PROFILE",
                ) from error
            if len(self._profiles) >= CACHED_PROFILES:
                self._profiles.pop(next(iter(self._profiles)))
            self._profiles[version.id] = loaded
        return self._profiles[version.id]

    def _build(self, gathered: _Gathered, profile: dict[str, FeatureProfile], window: Window) -> DriftReport:
        features = compare(profile, recent_features(gathered.values, gathered.lengths), self._thresholds)
        score, level = overall(features, self._thresholds)
        validation = validation_metrics(gathered.version.metrics or {})
        return DriftReport(
            model_id=gathered.model.id,
            model_name=gathered.model.name,
            owner_id=gathered.model.owner_id,
            version_id=gathered.version.id,
            version_number=gathered.version.number,
            features=features,
            score=score,
            level=level,
            window=window,
            prediction_count=gathered.predictions,
            live=gathered.live,
            validation=validation,
            degraded=self._thresholds.degraded(gathered.live, validation),
            computed_at=self._now(),
        )
