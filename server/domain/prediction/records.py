"""Recorded predictions: read, list, attach actuals, and summarise per version (the statistics
themselves are server.domain.prediction.stats)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from server.auth.principal import Principal
from server.db.base import new_id
from server.db.bulk import insert_or_update
from server.db.enums import PredictionSource
from server.db.locks import lock_rows
from server.db.models import Actual, ModelVersion, Prediction, PredictionFailure
from server.domain import filters
from server.domain.forecasting.models import owns, require, visible_model
from server.domain.pagination import PageRequest, paginate, split_page
from server.domain.prediction.accuracy import Accuracy, accuracy
from server.domain.prediction.blobs import stored_forecast
from server.domain.prediction.failures import failure_counts
from server.domain.prediction.stats import StatsView, scale_of, summarise, version_scales
from server.errors import InvalidArgument, NotFound

SOURCE_NAMES = {f"PREDICTION_SOURCE_{s.name}": s for s in PredictionSource}


@dataclass(frozen=True)
class PredictionView:
    prediction: Prediction
    accuracy: Accuracy | None
    update_time: datetime | None


@dataclass(frozen=True)
class PredictionQuery:
    model_id: str = ""
    version_id: str = ""
    start: datetime | None = None
    end: datetime | None = None
    source: PredictionSource | None = None
    filter: str = ""
    ascending: bool = False


@dataclass(frozen=True)
class ActualInput:
    """A submitted value: by ``step`` (from 1) or by ``timestamp``."""

    value: float
    step: int = 0
    timestamp: datetime | None = None


def _view(prediction: Prediction, scales: dict[str, float | None]) -> PredictionView:
    if not prediction.actuals:
        return PredictionView(prediction, None, None)
    observed = {a.step: a.value for a in prediction.actuals}
    result = accuracy(stored_forecast(prediction), observed, scale_of(prediction, scales))
    return PredictionView(prediction, result, max(a.created_at for a in prediction.actuals))


def _upsert_actuals(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` of actuals, a step stored already taking the new value, in one statement:
    two calls for the same step at once (a client's retry) must not fail on the unique
    (prediction_id, step), as a read-then-insert does when both read before either inserts."""
    statement = insert_or_update(session, Actual).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[Actual.prediction_id, Actual.step],
        set_={
            "value": statement.excluded.value,
            "timestamp": statement.excluded.timestamp,
            "created_at": statement.excluded.created_at,
        },
    )
    session.execute(statement)


def _visible(
    session: Session, principal: Principal, prediction_id: str, *, locked: bool = False
) -> Prediction:
    """The caller's prediction; ``locked`` holds it (so its model) from deletion until the end of
    the transaction, for a caller that writes rows referring to it."""
    query = sa.select(Prediction).where(Prediction.id == require(prediction_id, "prediction_id"))
    prediction = next(iter(lock_rows(session, query, shared=True)), None) if locked else session.scalar(query)
    if prediction is None or not owns(principal, prediction.owner_id):
        raise NotFound("prediction", prediction_id)
    return prediction


class PredictionRecords:
    def __init__(self, db: Any):
        self._db = db

    async def get(self, principal: Principal, prediction_id: str) -> PredictionView:
        def get(session: Session) -> PredictionView:
            prediction = _visible(session, principal, prediction_id)
            return _view(prediction, version_scales(session, {prediction.version_id}))

        return await self._db.run(get)  # type: ignore[no-any-return]

    async def list_predictions(
        self, principal: Principal, query: PredictionQuery, page: PageRequest
    ) -> tuple[list[PredictionView], str, int]:
        with_actuals = sa.exists().where(Actual.prediction_id == Prediction.id)

        where = filters.conditions(
            query.filter,
            {
                "model_id": filters.equals(Prediction.model_id),
                "version_id": filters.equals(Prediction.version_id),
                "series_id": filters.equals(Prediction.series_id),
                "source": filters.enum(Prediction.source, SOURCE_NAMES),
                "has_actuals": lambda term: with_actuals if filters.truth(term) else sa.not_(with_actuals),
                "create_time": filters.time(Prediction.created_at),
            },
        )
        if not principal.is_admin:
            where.append(Prediction.owner_id == principal.user_id)
        if query.model_id:
            where.append(Prediction.model_id == query.model_id)
        if query.version_id:
            where.append(Prediction.version_id == query.version_id)
        if query.source is not None:
            where.append(Prediction.source == query.source)
        if query.start is not None:
            where.append(Prediction.created_at >= query.start)
        if query.end is not None:
            where.append(Prediction.created_at < query.end)

        def run(session: Session) -> tuple[list[PredictionView], str, int]:
            total = session.scalar(sa.select(sa.func.count()).select_from(Prediction).where(*where)) or 0
            select = sa.select(Prediction).where(*where).options(selectinload(Prediction.actuals))
            rows = session.scalars(paginate(select, Prediction, page, ascending=query.ascending)).all()
            items, token = split_page(rows, page)
            scales = version_scales(session, {p.version_id for p in items})
            return [_view(p, scales) for p in items], token, int(total)

        return await self._db.run(run)  # type: ignore[no-any-return]

    async def submit_actuals(
        self, principal: Principal, prediction_id: str, values: list[float], points: list[ActualInput]
    ) -> tuple[int, int, PredictionView]:
        if values and points:
            raise InvalidArgument.field("points", "give values or points, not both")

        def submit(session: Session) -> tuple[int, int, PredictionView]:
            prediction = _visible(session, principal, prediction_id, locked=True)
            horizon = prediction.horizon
            if len(values) > horizon:
                raise InvalidArgument.field("values", f"at most {horizon} values (the prediction's horizon)")
            if len(points) > horizon:
                raise InvalidArgument.field("points", f"at most {horizon} points (the prediction's horizon)")
            stamps = stored_forecast(prediction).get("timestamps") or []
            step_of = {datetime.fromisoformat(t): i + 1 for i, t in enumerate(stamps) if t}
            found: dict[int, tuple[float, datetime | None]] = {}
            ignored = 0
            for i, value in enumerate(values):
                if math.isnan(value):
                    ignored += 1
                elif math.isinf(value):
                    raise InvalidArgument.field(f"values[{i}]", "must be finite or NaN")
                else:
                    found[i + 1] = (value, None)
            for i, point in enumerate(points):
                if point.step and point.timestamp is not None:
                    raise InvalidArgument.field(f"points[{i}]", "set step or timestamp, not both")
                if not math.isfinite(point.value):
                    raise InvalidArgument.field(f"points[{i}].value", "must be finite")
                step = point.step or (
                    step_of.get(point.timestamp.astimezone(UTC)) if point.timestamp else None
                )
                if step is None or not 1 <= step <= horizon:
                    ignored += 1
                    continue
                if step in found:  # which of the two is the actual?
                    raise InvalidArgument.field(f"points[{i}]", f"gives step {step} a second value")
                found[step] = (point.value, point.timestamp)
            now = datetime.now(UTC)
            rows = [
                {
                    "id": new_id(),
                    "prediction_id": prediction.id,
                    "step": step,
                    "value": value,
                    "timestamp": when
                    or (
                        datetime.fromisoformat(stamps[step - 1])
                        if step <= len(stamps) and stamps[step - 1]
                        else None
                    ),
                    "created_at": now,
                }
                for step, (value, when) in sorted(found.items())  # one lock order for every call
            ]
            if rows:
                _upsert_actuals(session, rows)
            session.expire_all()  # the actuals as stored, by this call or by one beside it
            view = _view(prediction, version_scales(session, {prediction.version_id}))
            return len(found), ignored, view

        return await self._db.run(submit)  # type: ignore[no-any-return]

    async def stats(
        self,
        principal: Principal,
        model_id: str,
        version_id: str,
        start: datetime | None,
        end: datetime | None,
    ) -> StatsView:
        def matching(table: type[Prediction] | type[PredictionFailure]) -> list[sa.ColumnElement[bool]]:
            where = [table.model_id == model_id]
            if not principal.is_admin:
                where.append(table.owner_id == principal.user_id)
            if version_id:
                where.append(table.version_id == version_id)
            if start is not None:
                where.append(table.created_at >= start)
            if end is not None:
                where.append(table.created_at < end)
            return where

        def run(session: Session) -> StatsView:
            visible_model(session, principal, model_id)
            of_model = sa.select(ModelVersion.id).where(
                ModelVersion.id == version_id, ModelVersion.model_id == model_id
            )
            if version_id and session.scalar(of_model) is None:
                raise NotFound("model version", version_id)
            where = matching(Prediction)
            rows = session.scalars(
                sa.select(Prediction).where(*where).options(selectinload(Prediction.actuals))
            ).all()
            failed = failure_counts(session, matching(PredictionFailure))
            scales = version_scales(session, {p.version_id for p in rows})
            by_version: dict[str, list[Prediction]] = {version: [] for version in failed}
            for p in rows:
                by_version.setdefault(p.version_id, []).append(p)
            versions = [summarise(v, ps, scales, failed.get(v, 0)) for v, ps in by_version.items()]
            versions.sort(key=lambda s: (-s.request_count, s.version_id))
            total = summarise("", list(rows), scales, sum(failed.values()))
            return StatsView(model_id, versions, total)

        return await self._db.run(run)  # type: ignore[no-any-return]
