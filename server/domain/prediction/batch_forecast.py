"""One chunk of a BatchPredict job forecast: the series ``start:end`` of the dataset packed
(only those, not the whole panel), forecast through the predictor, and what the history is to
keep of them (server.domain.prediction.batch runs the chunks in turn and saves each)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.auth.principal import Principal
from server.backends.base import SeriesBatch
from server.db.base import new_ids
from server.db.enums import PredictionSource
from server.db.models import BatchJob
from server.domain.prediction.batch_files import Chunk
from server.domain.prediction.batch_series import UNOBSERVED, Series
from server.domain.prediction.history import Served
from server.domain.prediction.routing import Resolved
from server.domain.prediction.service import Predictor


async def forecast_chunk(
    predictor: Predictor,
    principal: Principal,
    job: BatchJob,
    resolved: Resolved,
    series: Series,
    future: npt.NDArray[np.datetime64],
    start: int,
    end: int,
    levels: tuple[float, ...],
) -> tuple[Chunk, Served]:
    """Forecast the series ``start:end``: the chunk, and what the history is to keep of it."""
    # Only this chunk's series: packing the whole panel for every chunk repeats the work.
    at = series.at[start:end]
    panel = series.panel
    if at.size and at[0] >= 0 and at[-1] - at[0] == at.size - 1:  # consecutive in the panel
        first = int(at[0])
        piece = np.concatenate(panel.values[first : first + at.size]).astype(np.float32)
        lengths = panel.lengths[first : first + at.size]
    else:
        parts = [panel.values[i] if i >= 0 else UNOBSERVED for i in at.tolist()]
        piece = np.concatenate(parts).astype(np.float32)
        lengths = np.array([p.size for p in parts], dtype=np.int32)
    stamps = series.last[start:end]
    batch = SeriesBatch(piece, lengths, job.horizon, levels, stamps)
    arrays = await predictor.forecast_packed(resolved, batch, "dataset_id")
    ids = new_ids(end - start)
    served = Served(
        owner_id=principal.user_id,
        model_id=job.model_id,
        version_id=str(job.version_id),
        source=PredictionSource.BATCH,
        request=job.id,
        ids=ids,
        series_ids=series.ids[start:end],
        values=piece,
        lengths=lengths,
        season_length=panel.frequency.season_length,
        levels=levels,
        point=arrays.point,
        quantiles=arrays.quantiles,
        times=future[start:end],
        latency_ms=0.0,
    )
    chunk = Chunk(
        start,
        list(series.ids[start:end]),
        job.horizon,
        levels,
        arrays.point,
        arrays.quantiles,
        ids.strings(),
    )
    return chunk, served
