"""BatchPredict: every series of a stored dataset, in chunks, stored as it goes, resumable.

Each computed chunk (batch_forecast) is saved to the job's files in the store (batch_files)
before ``series_done`` moves past it, so a resumed job reads completed series back instead of
recomputing them; when every series is done the chunks are assembled into the result file.
The job's row in the database (batch_records) is created or resumed with its checks, and
records how far the job has got. A job runs only while a stream is attached; a new stream for
the same job takes it over and the old one ends with ABORTED. What the stream sends is in
batch_messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from server.auth.principal import Principal
from server.db.enums import JobState
from server.db.models import BatchJob, Dataset
from server.domain.forecasting.models import require
from server.domain.prediction.batch_files import Chunk, JobFiles, fitting_chunk, pieces, tail
from server.domain.prediction.batch_forecast import forecast_chunk
from server.domain.prediction.batch_messages import (
    BatchMessage,
    Progress,
    Result,
    job_result,
    running_time,
)
from server.domain.prediction.batch_records import BatchJobRecords, BatchSpec, check_frequency
from server.domain.prediction.batch_series import Series, dataset_series
from server.domain.prediction.dating import check_within_range
from server.domain.prediction.history import Served
from server.domain.prediction.requests import check_horizon, check_quantiles
from server.domain.prediction.routing import Resolved
from server.domain.prediction.service import Predictor
from server.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound, PreconditionViolation
from server.jobs.panels import PanelCache
from server.jobs.store import ModelStore
from training.errors import InvalidDataError

DEFAULT_CHUNK = 256
MAX_CHUNK = 10_000


class BatchPredictions:
    def __init__(
        self,
        db: Any,
        store: ModelStore,
        predictor: Predictor,
        panels: PanelCache,
        max_message_bytes: int = 16 << 20,
    ):
        self._records = BatchJobRecords(db)
        self._max_message_bytes = max_message_bytes
        self._store = store
        self._predictor = predictor
        self._panels = panels
        self._files = JobFiles(store.batch_jobs_dir)
        self._attached: dict[str, asyncio.Event] = {}

    async def get(self, principal: Principal, job_id: str) -> BatchJob:
        return await self._records.get(principal, job_id)

    def result_of(self, job: BatchJob) -> Result | None:
        return job_result(job, self._store)

    async def _start(self, principal: Principal, spec: BatchSpec) -> tuple[BatchJob, Dataset]:
        require(spec.dataset_id, "dataset_id")
        resolved: Resolved = await self._predictor.router.resolve(principal, spec.model_id, spec.version_id)
        default = resolved.route.default_version_id
        if not spec.version_id and default is not None:  # the default version, not the traffic split
            resolved = Resolved(resolved.route, resolved.route.versions[default])
        horizon = check_horizon(resolved, spec.horizon)
        levels = check_quantiles(resolved, spec.quantiles)
        chunk = spec.chunk_size or DEFAULT_CHUNK
        if not 1 <= chunk <= MAX_CHUNK:
            raise InvalidArgument.field("chunk_size", f"must be 1 to {MAX_CHUNK} (0 means {DEFAULT_CHUNK})")
        return await self._records.create(principal, spec, resolved, horizon, levels, chunk)

    async def run(self, principal: Principal, spec: BatchSpec) -> AsyncIterator[tuple[str, BatchMessage]]:
        if spec.job_id:
            job, dataset = await self._records.resume(principal, spec)
            start = spec.offset
        else:
            job, dataset = await self._start(principal, spec)
            start = 0
        previous = self._attached.pop(job.id, None)
        if previous is not None:
            previous.set()
        taken_over = self._attached[job.id] = asyncio.Event()
        began = time.monotonic()
        finished = False
        try:
            async for message in self._stream(principal, job, dataset, start, taken_over, began):
                yield job.id, message
            finished = True
        except NotFound:
            # Its model or version was deleted under it, and the job with them: a chunk saved
            # since is removed with the rest of the job's files.
            if not await self._records.exists(job.id):
                await asyncio.to_thread(self._store.delete_batch_job, job.id)
            raise
        finally:
            if self._attached.get(job.id) is taken_over:
                del self._attached[job.id]
                if not finished:
                    await self._records.interrupt(job.id, "the stream ended before the job finished")

    async def _stream(
        self,
        principal: Principal,
        job: BatchJob,
        dataset: Dataset | None,
        start: int,
        taken_over: asyncio.Event,
        began: float,
    ) -> AsyncIterator[BatchMessage]:
        version_id = job.version_id or ""
        total = job.series_total
        levels = tuple(float(q) for q in job.quantiles)
        yield Progress(job.series_done, total, running_time(job), None, version_id, start)
        if job.state is JobState.SUCCEEDED:
            for chunk in self._files.stored_chunks(job, start, total):
                for piece in pieces(chunk, self._max_message_bytes):
                    yield piece
            result = self.result_of(job)
            assert result is not None
            yield result
            return
        assert dataset is not None
        series = await asyncio.to_thread(self._series, dataset, job)
        future = series.future(job.horizon)
        check_within_range(future, "horizon", "the dataset's forecast would end")
        resolved = await self._predictor.router.resolve(principal, job.model_id, version_id)
        # A dataset stored without a frequency has the one its panel found.
        check_frequency(dataset.id, series.panel.frequency.name, resolved.route.frequency)
        # Cut so that each chunk's message keeps within the message size limit.
        size = fitting_chunk(
            job.chunk_size, job.horizon, len(levels), series.id_bytes, self._max_message_bytes
        )
        done = job.series_done
        if start < done:  # resumed before the last saved chunk: those are read back, not recomputed
            if taken_over.is_set():
                raise Aborted("another stream took over this batch job", reason="BATCH_JOB_TAKEN_OVER")
            for chunk in self._files.stored_chunks(job, start, done):
                for piece in pieces(chunk, self._max_message_bytes):
                    yield piece
        last_progress = time.monotonic()
        committing: asyncio.Future[None] | None = None

        def compute(offset: int) -> asyncio.Task[tuple[Chunk, Served]]:
            end = min(offset + size, total)
            return asyncio.ensure_future(
                forecast_chunk(self._predictor, principal, job, resolved, series, future, offset, end, levels)
            )

        # From the first chunk not saved: an offset past it still has every chunk computed.
        computing = compute(done) if done < total else None
        try:
            while computing is not None:
                if taken_over.is_set():
                    raise Aborted("another stream took over this batch job", reason="BATCH_JOB_TAKEN_OVER")
                chunk, served = await computing
                end = chunk.offset + len(chunk.series_ids)
                # The next chunk's forward pass runs while this one is saved: one chunk ahead at most.
                computing = compute(end) if end < total else None
                # Saved, counted and recorded together even when the caller goes away meanwhile
                # (the stream's end waits for it below), so that a resumed job neither recomputes
                # nor records a chunk twice, nor leaves one out of the history.
                committing = asyncio.ensure_future(self._commit(job.id, chunk, served))
                await asyncio.shield(committing)
                done = end
                elapsed = time.monotonic() - began
                if done > start:
                    yield chunk if chunk.offset >= start else tail(chunk, start)
                if time.monotonic() - last_progress >= 1.0:
                    last_progress = time.monotonic()
                    rate = max(done - start, 0) / elapsed if elapsed > 0 else 0.0
                    eta = (total - done) / rate if rate else None
                    yield Progress(done, total, running_time(job), eta, version_id, start)
        finally:
            if computing is not None:  # the stream failed or went away: the chunk ahead is not needed
                computing.cancel()
                await asyncio.wait([computing])
                if not computing.cancelled():
                    computing.exception()  # retrieved: it failed, and it does not matter now
            if committing is not None and not committing.done():
                await asyncio.wait([committing])
        output = await asyncio.to_thread(self._files.write_result, job, total, series.ids, future)
        finished_job = await self._records.succeed(job.id, self._store.relative(output))
        result = self.result_of(finished_job)
        assert result is not None
        yield result

    def _series(self, dataset: Dataset, job: BatchJob) -> Series:
        target = self._records.target_sync(job.model_id)
        path = self._store.path(dataset.storage_path)
        try:
            panel = self._panels.load(
                path, dataset.columns, target, dataset.frequency.value if dataset.frequency else None
            )
        except InvalidDataError as exc:
            raise FailedPrecondition(
                str(exc),
                reason="DATASET_UNUSABLE",
                violations=[PreconditionViolation("DATASET_UNUSABLE", dataset.id, str(exc))],
            ) from exc
        return dataset_series(panel, path, dataset.columns)

    async def _commit(self, job_id: str, chunk: Chunk, served: Served) -> None:
        await asyncio.to_thread(self._files.save_chunk, job_id, chunk)
        done = chunk.offset + len(chunk.series_ids)
        await self._records.advance(job_id, done)
        self._predictor.history.record(served)
