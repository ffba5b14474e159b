"""How a prediction history row stores what it served, as bytes: the forecast (point and
quantiles as float32, then the forecast timestamps) and a summary of the input (its length,
mean, spread, seasonal naive scale and last values, what drift is measured on). Packed for
many series at once with numpy, and read back one row at a time for GetPrediction."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from server.db.models import Prediction

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
    1 when the input is not longer than a season; on the input as training sees it, from its
    first to its last observed value with the gaps between filled by linear interpolation) and
    its last SAMPLE_SIZE values (what drift is measured on). Vectorised over the inputs and
    stored as bytes, not JSON: this runs for every series served, and a dict per series encoded
    as text cost half of storing its history row.
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
    scale = _naive_scales(*_as_trained(flat, seen, count), season_length)
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


def _as_trained(
    flat: npt.NDArray[np.float64], seen: npt.NDArray[np.bool_], count: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Each packed input from its first to its last observed value, the missing values between
    filled by linear interpolation (training's missing-value policy), packed, and how long each
    is (0 for an input with no observed value)."""
    if seen.all():  # the usual request: nothing to trim or fill
        return flat, count
    positions = np.flatnonzero(seen)
    firsts = np.cumsum(count) - count
    has = count > 0
    spans = np.zeros(count.size, np.int64)
    spans[has] = positions[firsts[has] + count[has] - 1] - positions[firsts[has]] + 1
    if not positions.size:  # np.interp needs a point to start from
        return np.empty(0), spans
    start = np.zeros(count.size, np.int64)
    start[has] = positions[firsts[has]]
    index = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans - start, spans)
    # Inside a span both neighbours of a missing value are that input's own observed values.
    return np.interp(index, positions, flat[positions]), spans


def _naive_scales(
    values: npt.NDArray[np.float64], count: npt.NDArray[np.int64], season_length: int
) -> npt.NDArray[np.float64]:
    """Mean absolute lag-m difference of each input's ``count`` packed values (m as
    pack_summaries says; 0 where an input has fewer than two values)."""
    series = np.repeat(np.arange(count.size), count)
    lag = np.where(count > season_length, season_length, 1)
    sums = np.zeros(count.size)
    for m in {season_length, 1}:
        if m < 1 or values.size <= m:
            continue
        same = (series[m:] == series[:-m]) & (lag[series[m:]] == m)
        sums += np.bincount(series[m:][same], np.abs(values[m:] - values[:-m])[same], count.size)
    pairs = count - lag
    return np.divide(sums, pairs, out=np.zeros(count.size), where=pairs > 0)


def _lists(array: npt.NDArray[np.floating], infinite: bool = False) -> list[Any]:
    """``array.tolist()`` with NaN as None, and infinities too unless ``infinite``; fast when
    there are none."""
    as_float = np.asarray(array, dtype=np.float64)
    if np.isfinite(as_float).all():
        return as_float.tolist()  # type: ignore[no-any-return]
    missing = np.isnan(as_float) if infinite else ~np.isfinite(as_float)
    boxed = as_float.astype(object)
    boxed[missing] = None
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
    # C order before the byte views: a request's forecasts are often a slice of a larger pass's,
    # whose quantiles a model may hold level-major (numpy's order for a[..., picked]); with one
    # step, such a slice's rows are not contiguous, and astype keeps that layout.
    parts = [
        np.ascontiguousarray(point, dtype="<f4").reshape(n, -1).view(np.uint8),
        np.ascontiguousarray(quantiles, dtype="<f4").reshape(n, -1).view(np.uint8),
    ]
    if times is not None:
        micros = np.ascontiguousarray(times.astype("datetime64[us]"), dtype="<i8").reshape(n, -1)
        parts.append(micros.view(np.uint8))
    rows = np.ascontiguousarray(np.concatenate(parts, axis=1))
    return _row_bytes(rows.tobytes(), rows.shape[1], n)


def _row_bytes(packed: bytes, width: int, n: int) -> list[bytes]:
    """``packed``, the bytes of ``n`` rows of ``width`` bytes each, as one bytes object per row."""
    return [packed[i * width : (i + 1) * width] for i in range(n)]


def unpack_forecast(blob: bytes, horizon: int, levels: Sequence[float]) -> dict[str, Any]:
    """A forecast stored by pack_forecasts as a record: ``levels``, ``point`` (h), ``quantiles``
    (h lists of q), ``timestamps`` (h ISO 8601 texts, see iso_times, or None); NaN as None.
    An infinity stays one: it is what the request was answered (a quantile past float32's
    range), and the interval it bounds holds every actual on its side."""
    h, q = horizon, len(levels)
    floats = np.frombuffer(blob, dtype="<f4", count=h * (1 + q))
    dated = len(blob) > 4 * h * (1 + q)
    stamps = np.frombuffer(blob, dtype="<i8", offset=4 * h * (1 + q)) if dated else None
    return {
        "levels": [float(level) for level in levels],
        "point": _lists(floats[:h], infinite=True),
        "quantiles": _lists(floats[h:].reshape(h, q), infinite=True),
        "timestamps": None if stamps is None else iso_times(stamps.astype("datetime64[us]")),
    }


def stored_forecast(prediction: Prediction) -> dict[str, Any]:
    """The forecast of a recorded prediction as unpack_forecast gives it, however it was stored."""
    if prediction.forecast_blob is not None:
        return unpack_forecast(prediction.forecast_blob, prediction.horizon, prediction.quantiles)
    return prediction.forecast or {}
