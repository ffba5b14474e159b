"""Prediction history rows: each served series' forecast and input summary packed as bytes, the
rows of served requests, and the child process that inserts them (HistoryWriter, in
server.domain.prediction.writer, queues them behind the request path)."""

from __future__ import annotations

import contextlib
import gc
import logging
import math
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

from server.db.bulk import RowGroup, insert_groups
from server.db.engine import create_engine
from server.db.enums import PredictionSource
from server.db.models import Prediction
from server.db.outages import is_database_outage

log = logging.getLogger(__name__)

PREDICTIONS: sa.Table = Prediction.__table__  # type: ignore[assignment]

# The recent values kept per input are what drift is measured on, so they match the windows
# the training profile was cut into (training.profile.WINDOW; not imported, so that the history
# process starts without loading the training stack).
SAMPLE_SIZE = 16


# A stored input summary (pack_summaries): length and observed count as int32, then mean, std,
# last value and naive scale as float64, then the last SAMPLE_SIZE values as float64, the
# sample left-padded with NaN when the input is shorter. Little-endian, NaN for "none".
_SUMMARY = np.dtype([("n", "<i4", 2), ("stats", "<f8", 4), ("sample", "<f8", SAMPLE_SIZE)])
SUMMARY_BYTES = _SUMMARY.itemsize


def pack_summaries(
    values: npt.NDArray[np.floating], lengths: npt.NDArray[np.integer], season_length: int
) -> list[bytes]:
    """For each packed input, its summary as bytes: length, count, mean and standard deviation
    of its observed values, the last value, its seasonal naive scale (lag ``season_length``, or
    1 when the input is not longer than a season) and its last SAMPLE_SIZE values (what drift is
    measured on). Vectorised over the inputs and stored as bytes, not JSON: this runs for every
    series served, and a dict per series encoded as text cost half of storing its history row.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    flat = np.asarray(values, dtype=np.float64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    seen = ~np.isnan(flat)
    count = np.add.reduceat(seen.astype(np.int64), starts)
    total = np.add.reduceat(np.where(seen, flat, 0.0), starts)
    mean = np.divide(total, count, out=np.full(lengths.size, np.nan), where=count > 0)
    spread = np.where(seen, flat - np.repeat(mean, lengths), 0.0) ** 2
    std = np.sqrt(
        np.divide(np.add.reduceat(spread, starts), count, out=np.full(lengths.size, np.nan), where=count > 0)
    )
    index = ends[:, None] - SAMPLE_SIZE + np.arange(SAMPLE_SIZE)[None, :]
    tails = np.where(index >= starts[:, None], flat[np.maximum(index, 0)], np.nan)
    scale = _naive_scales(flat[seen], count, season_length)
    rows = np.empty(lengths.size, dtype=_SUMMARY)
    rows["n"] = np.stack([lengths, count], axis=1)
    rows["stats"] = np.stack([mean, std, tails[:, -1], scale], axis=1)
    rows["sample"] = tails
    return _row_bytes(rows.tobytes(), SUMMARY_BYTES, lengths.size)


def unpack_summary(blob: bytes) -> dict[str, Any]:
    """A summary stored by pack_summaries as a record: ``length``, ``observed``, ``mean``,
    ``std``, ``last``, ``sample`` (the last min(length, SAMPLE_SIZE) values) and ``scale``; NaN
    as None, and a scale that is not positive as None."""
    row = np.frombuffer(blob, dtype=_SUMMARY, count=1)[0]
    length, observed = row["n"].tolist()
    mean, std, last, scale = row["stats"].tolist()
    sample = row["sample"]
    return {
        "length": length,
        "observed": observed,
        "mean": mean if math.isfinite(mean) else None,
        "std": std if math.isfinite(std) else None,
        "last": last if math.isfinite(last) else None,
        "sample": _lists(sample[SAMPLE_SIZE - min(length, SAMPLE_SIZE) :]),
        "scale": scale if scale > 0 and math.isfinite(scale) else None,
    }


def packed_samples(summaries: Sequence[bytes]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
    """The samples of summaries stored by pack_summaries, packed as the drift arithmetic takes
    them: each input's last min(length, SAMPLE_SIZE) values (NaN where missing), concatenated,
    and how many each has. Read in one pass: the model check reads a thousand per version, and
    a record per row, read in the server's database thread, held the interpreter lock long
    enough to stall the requests being served."""
    rows = np.frombuffer(b"".join(summaries), dtype=_SUMMARY)
    kept = np.minimum(rows["n"][:, 0], SAMPLE_SIZE).astype(np.int32)
    tail = np.arange(SAMPLE_SIZE)[None, :] >= (SAMPLE_SIZE - kept)[:, None]
    values: npt.NDArray[np.float64] = rows["sample"][tail]
    return values, kept


def stored_summary(prediction: Prediction) -> dict[str, Any]:
    """The input summary of a recorded prediction as unpack_summary gives it, plus the
    ``request`` it was served in, however it was stored."""
    summary = dict(prediction.input_summary or {})
    if prediction.input_blob is not None:
        summary.update(unpack_summary(prediction.input_blob))
    return summary


def _naive_scales(
    observed: npt.NDArray[np.float64], count: npt.NDArray[np.int64], season_length: int
) -> npt.NDArray[np.float64]:
    """Mean absolute lag-m difference of each input's observed values (m as pack_summaries says;
    0 where an input has fewer than two observed values)."""
    series = np.repeat(np.arange(count.size), count)
    lag = np.where(count > season_length, season_length, 1)
    sums = np.zeros(count.size)
    for m in {season_length, 1}:
        if m < 1 or observed.size <= m:
            continue
        same = (series[m:] == series[:-m]) & (lag[series[m:]] == m)
        sums += np.bincount(series[m:][same], np.abs(observed[m:] - observed[:-m])[same], count.size)
    pairs = count - lag
    return np.divide(sums, pairs, out=np.zeros(count.size), where=pairs > 0)


def _lists(array: npt.NDArray[np.floating]) -> list[Any]:
    """``array.tolist()`` with NaN and infinities as None, fast when there are none."""
    as_float = np.asarray(array, dtype=np.float64)
    if np.isfinite(as_float).all():
        return as_float.tolist()  # type: ignore[no-any-return]
    boxed = as_float.astype(object)
    boxed[~np.isfinite(as_float)] = None
    return boxed.tolist()  # type: ignore[no-any-return]


def iso_times(stamps: npt.NDArray[np.datetime64]) -> list[Any]:
    """UTC datetime64 values (any shape) as ISO 8601 text with the offset, like
    ``datetime.isoformat()`` of an aware UTC datetime."""
    text = np.char.add(np.datetime_as_string(stamps.astype("datetime64[us]"), unit="s"), "+00:00")
    return text.tolist()  # type: ignore[no-any-return]


def pack_forecasts(
    point: npt.NDArray[np.float32],
    quantiles: npt.NDArray[np.float32],
    times: npt.NDArray[np.datetime64] | None,
) -> list[bytes]:
    """Each series' stored forecast as bytes: point (h) and quantiles (h x q) as little-endian
    float32, then, when dated, the h forecast timestamps as int64 microseconds since the epoch.
    Text (JSON) would cost more to write than the forecast did to compute."""
    n = point.shape[0]
    parts = [
        point.reshape(n, -1).astype("<f4").view(np.uint8),
        quantiles.reshape(n, -1).astype("<f4").view(np.uint8),
    ]
    if times is not None:
        micros = np.ascontiguousarray(times.astype("datetime64[us]").astype("<i8").reshape(n, -1))
        parts.append(micros.view(np.uint8))
    rows = np.ascontiguousarray(np.concatenate(parts, axis=1))
    return _row_bytes(rows.tobytes(), rows.shape[1], n)


def _row_bytes(packed: bytes, width: int, n: int) -> list[bytes]:
    """``packed``, the bytes of ``n`` rows of ``width`` bytes each, as one bytes object per row."""
    return [packed[i * width : (i + 1) * width] for i in range(n)]


def unpack_forecast(blob: bytes, horizon: int, levels: Sequence[float]) -> dict[str, Any]:
    """A forecast stored by pack_forecasts as a record: ``levels``, ``point`` (h), ``quantiles``
    (h lists of q), ``timestamps`` (h ISO 8601 texts, see iso_times, or None); NaN as None."""
    h, q = horizon, len(levels)
    floats = np.frombuffer(blob, dtype="<f4", count=h * (1 + q))
    dated = len(blob) > 4 * h * (1 + q)
    stamps = np.frombuffer(blob, dtype="<i8", offset=4 * h * (1 + q)) if dated else None
    return {
        "levels": [float(level) for level in levels],
        "point": _lists(floats[:h]),
        "quantiles": _lists(floats[h:].reshape(h, q)),
        "timestamps": None if stamps is None else iso_times(stamps.astype("datetime64[us]")),
    }


def stored_forecast(prediction: Prediction) -> dict[str, Any]:
    """The forecast of a recorded prediction as unpack_forecast gives it, however it was stored."""
    if prediction.forecast_blob is not None:
        return unpack_forecast(prediction.forecast_blob, prediction.horizon, prediction.quantiles)
    return prediction.forecast or {}


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
                connection.send((f"{type(exc).__name__}: {exc}", is_database_outage(exc)))
    except (EOFError, OSError):
        pass  # the server is gone
    finally:
        engine.dispose()
