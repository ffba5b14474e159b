"""The prediction history's own pace: requests stored by the history process with nothing else.

Quantis answers first and stores each answered series as a history row behind the request
path (server/domain/prediction/writer.py). This row of the benchmark times that storing
alone, against the Quantis server's own database once the server has stopped, with
requests shaped like the streamed ones (1,024 series of LENGTH values, the model's horizon
and the 0.1/0.9 quantiles), PER_BATCH to a transaction as the history writer gathers them.
A StreamPredict row faster than this one outruns the history: its note counts what was dropped.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import sqlalchemy as sa

from bench import payloads
from bench.quantis_setup import DemoVersion
from bench.report import SERIES, Row
from server.db.base import new_ids
from server.db.engine import create_engine
from server.db.enums import PredictionSource
from server.domain.prediction.history import Served, StoreProcess

REQUEST_SERIES = 1024
PER_BATCH = 5  # 5,120 rows: the history writer's batch (HistoryWriter batch_series=5000)


def _served(owner_id: str, demo: DemoVersion) -> Served:
    values = payloads.series(REQUEST_SERIES)
    n, horizon = REQUEST_SERIES, payloads.HORIZON
    rng = np.random.default_rng(0)
    point = rng.normal(300, 50, size=(n, horizon)).astype(np.float32)
    quantiles = np.stack([point - 20, point + 20], axis=-1).astype(np.float32)
    times = np.datetime64("1961-01-01", "ns") + np.arange(horizon).astype("timedelta64[D]")
    ids = new_ids(n)
    return Served(
        owner_id=owner_id,
        model_id=demo.model_id,
        version_id=demo.version_id,
        source=PredictionSource.STREAM,
        request=ids[0],
        ids=ids,
        series_ids=[f"s{i}" for i in range(n)],
        values=values.reshape(-1),
        lengths=np.full(n, values.shape[1], np.int32),
        season_length=12,
        levels=payloads.QUANTILES,
        point=point,
        quantiles=quantiles,
        times=np.broadcast_to(times, (n, horizon)).copy(),
        latency_ms=1.0,
    )


def _fresh(template: Served) -> Served:
    """The same request under new ids (primary keys)."""
    ids = new_ids(template.size)
    return replace(template, ids=ids, request=ids[0])


def history_row(database_url: str, demo: DemoVersion, seconds: float) -> Row:
    """Rows per second stored by one history process into ``database_url`` for ``seconds``."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            owner_id = connection.execute(
                sa.text("SELECT owner_id FROM models WHERE id = :id"), {"id": demo.model_id}
            ).scalar_one()
    finally:
        engine.dispose()
    template = _served(owner_id, demo)
    store = StoreProcess(database_url)
    try:
        store.store([_fresh(template)])  # connects and warms up
        rows, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            batch = [_fresh(template) for _ in range(PER_BATCH)]
            store.store(batch)
            rows += sum(served.size for served in batch)
        elapsed = time.perf_counter() - started
    finally:
        store.stop()
    database = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.dialect.name, engine.dialect.name)
    label = f"{database}, {PER_BATCH} x {REQUEST_SERIES} series per transaction"
    return Row(4, "Quantis history process", "stores alone", label, rows / elapsed, SERIES)
