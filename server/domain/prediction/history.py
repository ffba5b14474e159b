"""Prediction history rows: what one request served (Served, as arrays), the rows it becomes
(its forecasts and input summaries packed as bytes by server.domain.prediction.blobs), and the
child process that inserts them (HistoryWriter, in server.domain.prediction.writer, queues them
behind the request path)."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from server import cpus
from server.db.bulk import RowGroup, insert_groups
from server.db.engine import create_engine
from server.db.enums import PredictionSource
from server.db.models import Prediction
from server.db.outages import worth_retrying
from server.domain.prediction.blobs import pack_forecasts, pack_summaries

log = logging.getLogger(__name__)

PREDICTIONS: sa.Table = Prediction.__table__  # type: ignore[assignment]


@dataclass  # not frozen: a frozen dataclass took 2 us to make instead of 0.5, per Predict
class Served:
    """The forecasts one request served, as arrays: the history writer turns it into one
    prediction row per series away from the request path. Not changed once made.

    ``values``/``lengths`` are the inputs packed; ``point`` (n, h) and ``quantiles``
    (n, h, q) the forecasts; ``times`` (n, h) their timestamps (datetime64, UTC) or None;
    ``request`` is what the stats count as one request.
    """

    owner_id: str
    model_id: str
    version_id: str
    source: PredictionSource
    request: str
    ids: Sequence[str]  # a NewIds from the server
    series_ids: Sequence[str]
    values: npt.NDArray[np.floating]
    lengths: npt.NDArray[np.integer]
    season_length: int
    levels: tuple[float, ...]
    point: npt.NDArray[np.float32]
    quantiles: npt.NDArray[np.float32]
    times: npt.NDArray[np.datetime64] | None
    latency_ms: float
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def size(self) -> int:
        return len(self.ids)

    def __reduce_ex__(self, protocol: Any) -> Any:  # Any: what object.__reduce_ex__ answers
        """A request of a few series is pickled with its arrays as raw bytes: the history writer
        pickles every request to send it to the history process or the spool, and numpy's own
        pickling of the five small arrays of a one-series request took 7 of its 10 µs, held on
        the server's interpreter lock. Larger ones keep the default, whose arrays are copied once."""
        if self.size > _RAW_MAX_SERIES:
            return object.__reduce_ex__(self, protocol)
        state = tuple(
            _raw(getattr(self, name)) if name in _ARRAY_FIELDS else getattr(self, name) for name in _FIELDS
        )
        return _served_from_raw, (state,)


_FIELDS = tuple(Served.__dataclass_fields__)
_ARRAY_FIELDS = frozenset({"values", "lengths", "point", "quantiles", "times"})
_RAW_MAX_SERIES = 16
_RawArray = tuple[str, tuple[int, ...], bytes]


def _raw(array: npt.NDArray[Any] | None) -> _RawArray | npt.NDArray[Any] | None:
    """An array as (dtype, shape, C-order bytes); None, and arrays of Python objects, as they are."""
    if array is None or array.dtype.hasobject:
        return array
    return array.dtype.str, array.shape, array.tobytes()


def _served_from_raw(state: tuple[Any, ...]) -> Served:
    """A Served pickled by Served.__reduce_ex__ (its arrays read-only views of the pickled bytes)."""
    fields: list[Any] = [
        np.frombuffer(value[2], dtype=np.dtype(value[0])).reshape(value[1])
        if name in _ARRAY_FIELDS and isinstance(value, tuple)
        else value
        for name, value in zip(_FIELDS, state, strict=True)
    ]
    return Served(*fields)


def prediction_rows(served: Sequence[Served]) -> list[RowGroup]:
    """The prediction rows of ``served``, a group per request (its series share every column
    but the id, series id, forecast and input summary). Requests of the same shape are
    summarised together, so a thousand one-series requests cost about what one request of a
    thousand series does."""
    groups: dict[tuple[Any, ...], list[Served]] = {}
    for item in served:
        key = (item.levels, item.point.shape[1:], item.season_length, item.times is None)
        groups.setdefault(key, []).append(item)
    rows: list[RowGroup] = []
    for (levels, _, season_length, untimed), group in groups.items():

        def joined(name: str, group: list[Served] = group) -> Any:
            arrays = [getattr(item, name) for item in group]
            return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

        forecasts = pack_forecasts(joined("point"), joined("quantiles"), None if untimed else joined("times"))
        summaries = pack_summaries(joined("values"), joined("lengths"), season_length)
        position = 0
        for item in group:
            shared = {
                "owner_id": item.owner_id,
                "model_id": item.model_id,
                "version_id": item.version_id,
                "horizon": item.point.shape[1],
                "quantiles": list(levels),
                "source": item.source,
                "latency_ms": item.latency_ms,
                "created_at": item.created_at,
                "forecast": None,
                "input_summary": {"request": item.request},
            }
            per_row = {
                "id": list(item.ids),
                "series_id": item.series_ids or [""] * item.size,
                "forecast_blob": forecasts[position : position + item.size],
                "input_blob": summaries[position : position + item.size],
            }
            rows.append(RowGroup(shared, per_row))
            position += item.size
    return rows


def store_predictions(connection: sa.Connection, served: Sequence[Served]) -> None:
    """One bulk insert of the rows of ``served``, from the server's thread or the history
    process; values shared by a request's series are converted once (see server.db.bulk)."""
    insert_groups(connection, PREDICTIONS, prediction_rows(served))


class DatabaseDown(RuntimeError):
    """The history process could not store requests because the database is unavailable."""


class StoreProcess:
    """A child process that stores served requests in the database at ``url``.

    Building and inserting a few thousand rows is Python work that, in a thread of the server,
    holds the interpreter lock the event loop and the forward passes need: with it in the
    server's own process, StreamPredict carried 4-15% fewer series per second on two cores.
    ``store`` (blocking: call it from a thread) sends the requests and returns once the child
    has committed them. The child runs ``nice`` steps below the server's CPU priority, and with
    ``idle`` under Linux's SCHED_IDLE policy: it runs when the CPUs have nothing else to run.
    """

    def __init__(self, url: str, nice: int = 0, idle: bool = False):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_store_forever, args=(url, child, nice, idle), name="quantis-history", daemon=True
        )
        self._process.start()
        child.close()

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def store(self, served: list[Served]) -> None:
        self._connection.send(served)
        error, outage = self._connection.recv()
        if error:
            raise (DatabaseDown if outage else RuntimeError)(
                f"the history process could not store them: {error}"
            )

    def stop(self, timeout: float = 10) -> None:
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout)
        self._connection.close()


def _store_forever(url: str, connection: Connection, nice: int, idle: bool) -> None:
    """The history process: store each list of requests received, answer ("", False) or the
    error and whether it is a database outage, and end on None or when the server's end of the
    pipe closes. Signals are the server's to act on: a Ctrl-C or SIGTERM sent to the whole group
    must not lose the rows being written."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    cpus.unpin()  # not on the CPU the server's event loop keeps (server.cpus)
    if nice:
        os.nice(nice)
    if idle:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    engine = create_engine(url)
    # Out of the collector's full passes, which would otherwise walk every module's objects
    # each time the thousands of rows built per batch trigger one (as the server does, app.py).
    gc.freeze()
    try:
        while (served := connection.recv()) is not None:
            try:
                with engine.begin() as database:
                    store_predictions(database, served)
                connection.send(("", False))
            except Exception as exc:
                connection.send((f"{type(exc).__name__}: {exc}", worth_retrying(exc)))
    except (EOFError, OSError):
        pass  # the server is gone
    finally:
        engine.dispose()
