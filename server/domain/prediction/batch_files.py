"""A BatchPredict job's files in the store, under ``batch_jobs/<job>/``.

Each computed chunk is written to ``chunks/<offset>.npz`` (through a ``.tmp.npz`` renamed
into place) before the job's ``series_done`` moves past it, so a resumed job reads
completed series back instead of recomputing them. When every series is done the chunks
are assembled into the result file, ``result.parquet`` or ``result.csv``. A chunk is sent
as one message: requests.answer_size bounds its size, so that it keeps within the message limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
import pyarrow.parquet as pq

from server.db.enums import DatasetFormat
from server.db.models import BatchJob
from server.domain.prediction.requests import answer_size


@dataclass(frozen=True)
class Chunk:
    offset: int
    series_ids: list[str]
    horizon: int
    quantiles: tuple[float, ...]
    point: npt.NDArray[np.float32]
    quantile_values: npt.NDArray[np.float32]
    prediction_ids: list[str]


def fitting_chunk(chunk_size: int, horizon: int, levels: int, id_bytes: int, max_bytes: int) -> int:
    """``chunk_size``, cut to the most series whose message fits ``max_bytes`` (one at least)."""
    each = answer_size(1, horizon, levels, id_bytes) - answer_size(0, horizon, levels, id_bytes)
    room = max_bytes - answer_size(0, horizon, levels, id_bytes)
    return max(1, min(chunk_size, room // each))


class JobFiles:
    def __init__(self, root: Path):
        """``root``: the store directory of batch jobs, each job's files in ``<root>/<job id>``."""
        self._root = root

    def directory(self, job_id: str) -> Path:
        return self._root / job_id

    def save_chunk(self, job_id: str, chunk: Chunk) -> None:
        directory = self.directory(job_id) / "chunks"
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / f"{chunk.offset:012d}.tmp.npz"
        np.savez(
            temporary,
            series_ids=np.array(chunk.series_ids, dtype=object),
            point=chunk.point,
            quantiles=chunk.quantile_values,
            prediction_ids=np.array(chunk.prediction_ids, dtype=object),
        )
        temporary.replace(directory / f"{chunk.offset:012d}.npz")

    def stored_chunks(self, job: BatchJob, start: int, end: int) -> list[Chunk]:
        directory = self.directory(job.id) / "chunks"
        levels = tuple(float(q) for q in job.quantiles)
        found: list[Chunk] = []
        for path in sorted(directory.glob("*.npz")):
            if path.name.endswith(".tmp.npz"):
                continue
            offset = int(path.name.split(".")[0])
            with np.load(path, allow_pickle=True) as data:
                n = int(data["point"].shape[0])
                if offset + n <= start or offset >= end:
                    continue
                lo, hi = max(start - offset, 0), min(end - offset, n)
                found.append(
                    Chunk(
                        offset + lo,
                        [str(s) for s in data["series_ids"][lo:hi]],
                        job.horizon,
                        levels,
                        data["point"][lo:hi],
                        data["quantiles"][lo:hi],
                        [str(s) for s in data["prediction_ids"][lo:hi]],
                    )
                )
        return found

    def write_result(
        self, job: BatchJob, total: int, ids: Sequence[str], future: npt.NDArray[np.datetime64]
    ) -> Path:
        levels = tuple(float(q) for q in job.quantiles)
        chunks = self.stored_chunks(job, 0, total)
        series: list[str] = []
        points: list[npt.NDArray[np.float32]] = []
        quantiles: list[npt.NDArray[np.float32]] = []
        for chunk in chunks:
            series.extend(chunk.series_ids)
            points.append(chunk.point)
            quantiles.append(chunk.quantile_values)
        h = job.horizon
        point = np.concatenate(points) if points else np.zeros((0, h), np.float32)
        q = np.concatenate(quantiles) if quantiles else np.zeros((0, h, len(levels)), np.float32)
        frame = pd.DataFrame(
            {
                "series_id": np.repeat(np.array(series, dtype=object), h),
                "step": np.tile(np.arange(1, h + 1, dtype=np.int32), len(series)),
                "point": point.reshape(-1),
            }
        )
        for k, level in enumerate(levels):
            frame[f"q{level:g}"] = q[:, :, k].reshape(-1)
        stored = _stored_timestamps(ids, future, series)
        frame.insert(2, "timestamp", stored)
        directory = self.directory(job.id)
        directory.mkdir(parents=True, exist_ok=True)
        if job.output_format is DatasetFormat.CSV:
            path = directory / "result.csv"
            frame.to_csv(path, index=False)
        else:
            path = directory / "result.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        return path


def _stored_timestamps(
    ids: Sequence[str], future: npt.NDArray[np.datetime64], series: list[str]
) -> pd.Series:
    """The forecast timestamps of ``series`` (in that order): ``future`` holds those of the
    panel's series ``ids``."""
    index = {sid: i for i, sid in enumerate(ids)}
    stamps = np.concatenate([future[index[s]] for s in series]) if series else np.array([], "datetime64[ns]")
    return pd.Series(pd.to_datetime(stamps).tz_localize("UTC"))


def tail(chunk: Chunk, start: int) -> Chunk:
    """The part of ``chunk`` from series offset ``start`` on."""
    cut = start - chunk.offset
    return Chunk(
        start,
        chunk.series_ids[cut:],
        chunk.horizon,
        chunk.quantiles,
        chunk.point[cut:],
        chunk.quantile_values[cut:],
        chunk.prediction_ids[cut:],
    )


def pieces(chunk: Chunk, max_bytes: int) -> list[Chunk]:
    """``chunk`` cut into chunks whose messages fit ``max_bytes`` (one saved before chunks were
    cut to fit)."""
    id_bytes = max((len(s.encode()) for s in chunk.series_ids), default=0)
    size = fitting_chunk(len(chunk.series_ids), chunk.horizon, len(chunk.quantiles), id_bytes, max_bytes)
    return [
        Chunk(
            chunk.offset + i,
            chunk.series_ids[i : i + size],
            chunk.horizon,
            chunk.quantiles,
            chunk.point[i : i + size],
            chunk.quantile_values[i : i + size],
            chunk.prediction_ids[i : i + size],
        )
        for i in range(0, max(len(chunk.series_ids), 1), size)
    ]
