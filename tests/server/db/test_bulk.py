"""insert_groups stores what SQLAlchemy's own executemany stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.base import new_ids
from server.db.bulk import RowGroup, insert_groups
from server.db.enums import PredictionSource
from server.db.models import Prediction
from tests.server.db import factories

PREDICTIONS: sa.Table = Prediction.__table__  # type: ignore[assignment]


def _groups(owner: str, model: str, version: str) -> list[RowGroup]:
    groups = []
    for k, source in enumerate((PredictionSource.STREAM, PredictionSource.UNARY)):
        n = 3 - k
        shared = {
            "owner_id": owner,
            "model_id": model,
            "version_id": version,
            "horizon": 4 + k,
            "quantiles": [0.1, 0.9],
            "source": source,
            "latency_ms": 1.5 + k,
            "created_at": datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(hours=k),
            "forecast": None,
        }
        per_row = {
            "id": new_ids(n),
            "series_id": [f"s{k}-{i}" for i in range(n)],
            "forecast_blob": [bytes([i, k, 255]) for i in range(n)],
            "input_summary": [{"length": i, "mean": None, "sample": [1.0, float(i)]} for i in range(n)],
            "input_blob": [None if i % 2 else bytes([k, i, 0, 9]) for i in range(n)],
        }
        groups.append(RowGroup(shared, per_row))
    return groups


def _stored(session: Session, ids: list[str]) -> dict[str, tuple[object, ...]]:
    rows = session.scalars(sa.select(Prediction).where(Prediction.id.in_(ids))).all()
    session.expunge_all()
    return {
        row.series_id: (
            row.owner_id,
            row.series_id,
            row.horizon,
            row.quantiles,
            row.source,
            row.latency_ms,
            row.created_at,
            row.forecast,
            row.forecast_blob,
            row.input_summary,
            row.input_blob,
        )
        for row in rows
    }


def test_rows_read_back_as_core_inserts_them(session: Session) -> None:
    owner = factories.user(session)
    version = factories.version(session, factories.model(session, owner))
    session.commit()
    ours = _groups(owner.id, version.model_id, version.id)
    core = _groups(owner.id, version.model_id, version.id)

    assert insert_groups(session.connection(), PREDICTIONS, ours) == 5
    rows = [dict(g.shared) | {k: v[i] for k, v in g.per_row.items()} for g in core for i in range(len(g))]
    session.connection().execute(PREDICTIONS.insert(), rows)
    session.commit()

    mine = _stored(session, [i for g in ours for i in g.per_row["id"]])
    theirs = _stored(session, [i for g in core for i in g.per_row["id"]])
    assert len(mine) == 5
    assert sorted(mine.values(), key=repr) == sorted(theirs.values(), key=repr)
    stamps = {row[6] for row in mine.values()}
    assert stamps == {datetime(2026, 3, 1, 12, tzinfo=UTC), datetime(2026, 3, 1, 13, tzinfo=UTC)}


def test_every_column_is_required(session: Session) -> None:
    owner = factories.user(session)
    version = factories.version(session, factories.model(session, owner))
    session.commit()
    [group, _] = _groups(owner.id, version.model_id, version.id)
    partial = RowGroup({k: v for k, v in group.shared.items() if k != "horizon"}, group.per_row)
    with pytest.raises(ValueError, match=r"missing \['horizon'\]"):
        insert_groups(session.connection(), PREDICTIONS, [partial])
    uneven = RowGroup(group.shared, {**group.per_row, "series_id": ["only one"]})
    with pytest.raises(ValueError, match="series_id: 1 values for 3 rows"):
        insert_groups(session.connection(), PREDICTIONS, [uneven])
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Prediction)) == 0


def test_many_rows_go_in_one_call_inside_the_callers_transaction(session: Session) -> None:
    owner = factories.user(session)
    version = factories.version(session, factories.model(session, owner))
    session.commit()
    [group, _] = _groups(owner.id, version.model_id, version.id)
    n = 2507
    many = RowGroup(
        group.shared,
        {
            "id": new_ids(n),
            "series_id": [f"s{i}" for i in range(n)],
            "forecast_blob": [i.to_bytes(2, "little") for i in range(n)],
            "input_summary": [{"length": i} for i in range(n)],
            "input_blob": [None] * n,
        },
    )
    assert insert_groups(session.connection(), PREDICTIONS, [many]) == n
    count = sa.select(sa.func.count()).select_from(Prediction)
    assert session.scalar(count) == n
    last = session.scalar(sa.select(Prediction).where(Prediction.series_id == f"s{n - 1}"))
    assert last is not None and last.forecast_blob == (n - 1).to_bytes(2, "little")
    session.rollback()
    assert session.scalar(count) == 0


def test_text_that_needs_escaping_reads_back_as_core_stores_it(session: Session) -> None:
    # PostgreSQL receives the rows as COPY text: tabs, newlines, backslashes, a literal \\N,
    # empty text, JSON null, binary with those bytes and infinite floats must all survive it.
    owner = factories.user(session)
    version = factories.version(session, factories.model(session, owner))
    session.commit()
    awkward = ["tab\there", "line\nbreak\r", "back\\slash", "\\N", "", "ünïcode ✓"]
    latencies = [0.1, float("inf"), 1e-300, 2.5, 1e300, float("-inf")]  # (SQLite has no NaN)

    def group() -> RowGroup:
        [template, _] = _groups(owner.id, version.model_id, version.id)
        n = len(awkward)
        return RowGroup(
            {**template.shared, "forecast": None},
            {
                "id": new_ids(n),
                "series_id": awkward,
                "forecast_blob": [bytes([0, 92, 9, 10]) * i for i in range(n)],
                "input_summary": [{"text": text, "n": None} for text in awkward],
                "input_blob": [bytes([92, 78, 9, 10, 13, 0]) * i for i in range(n)],
            },
        )

    ours, core = group(), group()
    for g, latency in ((ours, latencies), (core, latencies)):
        g.per_row["latency_ms"] = latency  # type: ignore[index]
    del ours.shared["latency_ms"], core.shared["latency_ms"]  # type: ignore[attr-defined]
    insert_groups(session.connection(), PREDICTIONS, [ours])
    rows = [dict(core.shared) | {k: v[i] for k, v in core.per_row.items()} for i in range(len(awkward))]
    session.connection().execute(PREDICTIONS.insert(), rows)
    session.commit()

    def stored(ids: list[str]) -> list[tuple[object, ...]]:
        found = {p.id: p for p in session.scalars(sa.select(Prediction).where(Prediction.id.in_(ids)))}
        return [
            (p.series_id, repr(p.latency_ms), p.forecast, p.forecast_blob, p.input_summary, p.input_blob)
            for p in (found[i] for i in ids)
        ]

    mine, theirs = stored(list(ours.per_row["id"])), stored(list(core.per_row["id"]))
    assert mine == theirs
    assert [row[0] for row in mine] == awkward
