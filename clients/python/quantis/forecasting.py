"""Packing series into StreamPredict messages and unpacking the forecasts, for ``forecast_many``.

StreamPredict carries many series per message as flat arrays (values plus
lengths) so that per-message overhead does not cap throughput; the helpers
here turn an iterable of series into such messages and the packed answers back
into one ``SeriesForecast`` per series. Nothing here does I/O: the sync and
asyncio clients share it and differ only in how they keep the stream fed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from google.protobuf import timestamp_pb2

from quantis import errors
from quantis.v1 import prediction_service_pb2 as pb

# Keeps a message well under the server's message size limit (4 bytes a value).
MAX_VALUES_PER_MESSAGE = 1_000_000


@dataclass(frozen=True)
class SeriesInput:
    """One series to forecast: its id, its values oldest first, and optionally its first timestamp."""

    series_id: str
    values: Sequence[float]
    start: datetime | None = None


@dataclass(frozen=True)
class SeriesForecast:
    """The forecast of one series: point forecasts per step and, per quantile level, a value per step."""

    series_id: str
    point: list[float]
    quantiles: dict[float, list[float]] = field(default_factory=dict)
    prediction_id: str = ""
    version_id: str = ""


SeriesLike = SeriesInput | tuple[str, Sequence[float]] | Sequence[float]


def as_input(item: SeriesLike, position: int) -> SeriesInput:
    """Accepts a SeriesInput, an ``(id, values)`` pair, or bare values (then the id is the position)."""
    if isinstance(item, SeriesInput):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return SeriesInput(item[0], item[1])
    return SeriesInput(str(position), item)


def batches(
    items: Iterable[SeriesLike], series_per_message: int, max_values: int = MAX_VALUES_PER_MESSAGE
) -> Iterator[list[SeriesInput]]:
    """Groups series into messages of at most ``series_per_message`` series and ``max_values`` values."""
    if series_per_message < 1:
        raise ValueError("series_per_message must be at least 1")
    batch: list[SeriesInput] = []
    values = 0
    for position, item in enumerate(items):
        series = as_input(item, position)
        if batch and (len(batch) == series_per_message or values + len(series.values) > max_values):
            yield batch
            batch, values = [], 0
        batch.append(series)
        values += len(series.values)
    if batch:
        yield batch


@dataclass(frozen=True)
class Target:
    """What every message of one ``forecast_many`` asks for."""

    model_id: str
    version_id: str = ""
    horizon: int = 0
    quantiles: tuple[float, ...] = ()


def pack(batch: list[SeriesInput], request_id: str, target: Target) -> pb.StreamPredictRequest:
    request = pb.StreamPredictRequest(
        request_id=request_id,
        model_id=target.model_id,
        version_id=target.version_id,
        horizon=target.horizon,
        quantiles=target.quantiles,
        series_ids=[s.series_id for s in batch],
        lengths=[len(s.values) for s in batch],
    )
    for series in batch:
        request.values.extend(series.values)
    if any(s.start is not None for s in batch):
        for series in batch:
            stamp = timestamp_pb2.Timestamp()
            if series.start is not None:
                stamp.FromDatetime(series.start)
            request.start_times.append(stamp)
    return request


def unpack(response: pb.StreamPredictResponse) -> list[SeriesForecast]:
    """One forecast per series of the answered request; a failed request raises its error."""
    if response.HasField("error") and response.error.code != 0:
        raise errors.from_status(response.error)
    h, levels = response.horizon, list(response.quantiles)
    q = len(levels)
    points, packed = response.point_forecasts, response.quantile_forecasts
    forecasts = []
    for i, series_id in enumerate(response.series_ids):
        quantiles = {level: [packed[(i * h + s) * q + k] for s in range(h)] for k, level in enumerate(levels)}
        forecasts.append(
            SeriesForecast(
                series_id=series_id,
                point=list(points[i * h : (i + 1) * h]),
                quantiles=quantiles,
                prediction_id=response.prediction_ids[i] if i < len(response.prediction_ids) else "",
                version_id=response.version_id,
            )
        )
    return forecasts


class InOrder:
    """Holds answers that overtook earlier requests, releasing them in request order.

    Requests are numbered from 0 by their request_id; ``add`` returns the
    responses that are now next in line.
    """

    def __init__(self) -> None:
        self._waiting: dict[int, pb.StreamPredictResponse] = {}
        self.next = 0

    def add(self, response: pb.StreamPredictResponse) -> list[pb.StreamPredictResponse]:
        self._waiting[int(response.request_id)] = response
        ready = []
        while self.next in self._waiting:
            ready.append(self._waiting.pop(self.next))
            self.next += 1
        return ready

    def missing(self) -> bool:
        return bool(self._waiting)
