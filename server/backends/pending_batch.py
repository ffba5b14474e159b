"""A batch the dynamic batcher (server.backends.batcher) is gathering: the key its requests share,
the requests waiting in it with their callers' futures, and their series merged into the one
SeriesBatch of its pass; and the counts of the passes sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np

from server.backends.base import ForecastArrays, SeriesBatch, VersionRef

# Requests share a pass only when everything but their series is the same.
Key = tuple[str, int, tuple[float, ...], bool]
# A caller's series, and the future its slice of the pass's forecasts goes to.
Request = tuple[SeriesBatch, asyncio.Future[ForecastArrays]]


@dataclass
class BatchStats:
    batches: int = 0
    series: int = 0
    largest: int = 0


@dataclass
class Pending:
    key: Key
    version: VersionRef
    requests: list[Request] = field(default_factory=list)
    series: int = 0
    timer: asyncio.TimerHandle | None = None
    due: bool = False


def key_of(version: VersionRef, batch: SeriesBatch) -> Key:
    return (version.version_id, batch.horizon, batch.quantiles, batch.last_timestamps is not None)


def concatenate(batches: list[SeriesBatch]) -> SeriesBatch:
    stamps = [b.last_timestamps for b in batches]
    return SeriesBatch(
        values=np.concatenate([b.values for b in batches]),
        lengths=np.concatenate([b.lengths for b in batches]),
        horizon=batches[0].horizon,
        quantiles=batches[0].quantiles,
        last_timestamps=None if stamps[0] is None else np.concatenate(stamps),  # type: ignore[arg-type]
    )
