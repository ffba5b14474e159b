"""A unary forecast as a serialized Forecast message, laid out with numpy instead of built
message by message (PredictResponse's forecast is written from these bytes)."""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from server.domain.prediction.requests import UnaryForecast
from server.mappers.common import length_delimited, varint

# ForecastPoint's fields after its timestamp and step, as they lie on the wire: the mean (field 3,
# a double), then one QuantileValue (field 4, a message of 18 bytes: quantile and value, fields 1
# and 2, doubles) per level.
_QUANTILE_VALUE = np.dtype(
    [
        ("key", "u1"),
        ("size", "u1"),
        ("level_key", "u1"),
        ("level", "<f8"),
        ("value_key", "u1"),
        ("value", "<f8"),
    ]
)


@functools.cache
def _point_tail(levels: int) -> np.dtype[np.void]:
    return np.dtype([("mean_key", "u1"), ("mean", "<f8"), ("quantiles", _QUANTILE_VALUE, (levels,))])


@functools.cache
def _step_field(step: int) -> bytes:
    return b"\x10" + varint(step)  # ForecastPoint.step, field 2


# An undated point of up to five levels is under 128 bytes, so its length is one byte.
_UNDATED_MAX_LEVELS = 5


@functools.lru_cache(maxsize=256)  # bounded: the levels are the callers' choice
def _undated_points(horizon: int, levels: tuple[float, ...]) -> npt.NDArray[np.void]:
    """The points of an undated forecast (steps 1 to ``horizon``, under 128) as they lie on the
    wire, each a Forecast.points field with its length, its step and its tail, the values left
    zero: forecasts of the same shape differ only in those, which are all that is written."""
    point = np.dtype(
        [
            ("key", "u1"),
            ("size", "u1"),
            ("step_key", "u1"),
            ("step", "u1"),
            ("tail", _point_tail(len(levels))),
        ]
    )
    points = np.zeros(horizon, dtype=point)
    points["key"], points["size"] = 0x12, point.itemsize - 2  # Forecast.points, field 2
    points["step_key"], points["step"] = 0x10, np.arange(1, horizon + 1)  # ForecastPoint.step
    tail = points["tail"]
    tail["mean_key"] = 0x19
    quantiles = tail["quantiles"]
    quantiles["key"], quantiles["size"] = 0x22, _QUANTILE_VALUE.itemsize - 2
    quantiles["level_key"], quantiles["level"], quantiles["value_key"] = 0x09, levels, 0x11
    points.flags.writeable = False
    return points


@functools.lru_cache(maxsize=4096)
def _timestamp_field(seconds: int, nanos: int) -> bytes:
    """ForecastPoint.timestamp (field 1): a Timestamp with its non-zero fields. Forecasts made at
    the same time share their steps' timestamps, so each is encoded once."""
    inner = (b"\x08" + varint(seconds) if seconds else b"") + (b"\x10" + varint(nanos) if nanos else b"")
    return length_delimited(1, inner)


def forecast_bytes(result: UnaryForecast) -> bytes:
    """The forecast as a serialized Forecast message.

    Its points and their quantiles are some fifty small messages. Building them field by field
    (even in place, with ``add``) took 36-50 us per Predict, about a tenth of the interpreter's
    busy time at 64 callers; here the fixed-width part of every point (mean and quantiles) is
    laid out by numpy in one array, and only each point's head (timestamp and step) is made in
    Python (17 us in all without timestamps). An undated forecast of a few levels is written
    into a template of its points instead (3.5 us).
    """
    horizon, levels = result.horizon, len(result.levels)
    series_id = [length_delimited(1, result.series_id.encode())] if result.series_id else []
    if result.timestamps is None and horizon < 0x80 and levels <= _UNDATED_MAX_LEVELS:
        template = _undated_points(horizon, result.levels)  # copied as bytes: a structured copy takes 10 us
        points = np.frombuffer(bytearray(template.tobytes()), dtype=template.dtype)
        points["tail"]["mean"] = result.point[:horizon]
        points["tail"]["quantiles"]["value"] = result.quantiles[:horizon]
        return b"".join([*series_id, points.tobytes()])
    tail = np.empty(horizon, dtype=_point_tail(levels))
    tail["mean_key"] = 0x19  # field 3, 64-bit
    tail["mean"] = result.point[:horizon]
    quantiles = tail["quantiles"]
    quantiles["key"], quantiles["size"] = 0x22, _QUANTILE_VALUE.itemsize - 2  # field 4, its length
    quantiles["level_key"], quantiles["level"] = 0x09, result.levels
    quantiles["value_key"], quantiles["value"] = 0x11, result.quantiles[:horizon]
    tails, width = tail.tobytes(), tail.dtype.itemsize
    heads = [_step_field(step + 1) for step in range(horizon)]
    if result.timestamps is not None:
        nanos = result.timestamps[:horizon].astype("datetime64[ns]").astype(np.int64)
        seconds, fraction = np.divmod(nanos, 1_000_000_000)
        heads = [
            _timestamp_field(s, n) + head
            for s, n, head in zip(seconds.tolist(), fraction.tolist(), heads, strict=True)
        ]
    parts = series_id
    for step, head in enumerate(heads):
        parts.append(b"\x12" + varint(len(head) + width) + head)  # Forecast.points, field 2
        parts.append(tails[step * width : (step + 1) * width])
    return b"".join(parts)
