"""PredictionService servicer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from quantis.v1 import prediction_service_pb2 as pb
from quantis.v1 import prediction_service_pb2_grpc

from server.auth.principal import Principal
from server.domain.pagination import page_request, token_scope
from server.domain.prediction.batch import BatchPredictions
from server.domain.prediction.records import PredictionQuery, PredictionRecords
from server.domain.prediction.service import Predictor
from server.errors import Internal, QuantisError, Unavailable
from server.interceptors.errors import to_status
from server.mappers import batch_prediction as batch_mappers
from server.mappers import prediction as mappers
from server.mappers.common import ascending, optional_datetime
from server.servicers.context import principal

Context = grpc.aio.ServicerContext[Any, Any]
log = logging.getLogger(__name__)


class ShuttingDown(Unavailable):
    def __init__(self) -> None:
        super().__init__(
            "the server is shutting down: every request read so far was answered; "
            "send the rest again on a new stream",
            reason="SERVER_SHUTTING_DOWN",
        )


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """quantis.v1.PredictionService; every RPC not defined here answers UNIMPLEMENTED."""

    def __init__(
        self,
        predictor: Predictor,
        records: PredictionRecords,
        batches: BatchPredictions,
        stream_in_flight: int = 8,
    ):
        self._predictor = predictor
        self._records = records
        self._batches = batches
        self._stream_in_flight = stream_in_flight
        self._readers: set[asyncio.Task[None]] = set()
        self._draining = False

    def drain(self) -> None:
        """Shutdown begins: every StreamPredict stops reading, answers what it has read, and
        ends with UNAVAILABLE so that its client sends the rest to another replica."""
        self._draining = True
        for reader in list(self._readers):
            reader.cancel()

    async def Predict(self, request: pb.PredictRequest, context: Context) -> pb.PredictResponse:
        started = time.perf_counter()
        result = await self._predictor.predict(
            principal(),
            request.model_id,
            request.version_id,
            mappers.series_from_proto(request),
            request.horizon,
            tuple(request.quantiles),
            started,
        )
        return mappers.predict_response(result)

    async def _answer(self, caller: Principal, request: pb.StreamPredictRequest) -> pb.StreamPredictResponse:
        started = time.perf_counter()
        try:
            result = await self._predictor.predict_packed(caller, mappers.packed_from_proto(request), started)
            return mappers.stream_response(request.request_id, result)
        except QuantisError as error:
            return pb.StreamPredictResponse(request_id=request.request_id, error=to_status(error))
        except asyncio.CancelledError:
            if asyncio.current_task().cancelling():  # type: ignore[union-attr]  # the stream is going
                raise
            # A pass this request waited for was cancelled under it: left to the reader, it ended
            # the reader, and the stream ended without answering the request.
            log.warning("stream request %r: its forward pass was cancelled", request.request_id)
            gone = Unavailable(
                "its forward pass was cancelled; send the request again", retry_after_seconds=0.1
            )
            return pb.StreamPredictResponse(request_id=request.request_id, error=to_status(gone))
        except Exception:
            log.exception("stream request failed")
            return pb.StreamPredictResponse(
                request_id=request.request_id, error=to_status(Internal("the request failed"))
            )

    async def StreamPredict(
        self, request_iterator: AsyncIterator[pb.StreamPredictRequest], context: Context
    ) -> AsyncIterator[pb.StreamPredictResponse]:
        caller = principal()
        slots = asyncio.Semaphore(self._stream_in_flight)
        answers: asyncio.Queue[pb.StreamPredictResponse | BaseException | None] = asyncio.Queue()
        working: set[asyncio.Task[None]] = set()

        async def answer(request: pb.StreamPredictRequest) -> None:
            await answers.put(await self._answer(caller, request))

        async def read() -> None:
            try:
                requests = aiter(request_iterator)
                while True:
                    await slots.acquire()  # at most stream_in_flight unanswered: stop reading until one is
                    try:
                        request = await anext(requests)
                    except StopAsyncIteration:
                        break
                    task = asyncio.get_running_loop().create_task(answer(request))
                    working.add(task)
                    task.add_done_callback(working.discard)
                if working:
                    await asyncio.gather(*working)
                await answers.put(None)
            except asyncio.CancelledError:
                if not self._draining:
                    raise
                asyncio.current_task().uncancel()  # type: ignore[union-attr]
                if working:
                    await asyncio.gather(*working)
                await answers.put(ShuttingDown())
            except BaseException as exc:  # the stream itself failed: end the call with it
                await answers.put(exc)

        reader = asyncio.get_running_loop().create_task(read())
        self._readers.add(reader)
        reader.add_done_callback(self._readers.discard)
        if self._draining:
            reader.cancel()
        try:
            while True:
                item = await answers.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
                slots.release()
        finally:
            reader.cancel()
            for task in list(working):
                task.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def GetPrediction(
        self, request: pb.GetPredictionRequest, context: Context
    ) -> pb.GetPredictionResponse:
        full = mappers.full_view(request.view, default=True)
        view = await self._records.get(principal(), request.prediction_id)
        return pb.GetPredictionResponse(prediction=mappers.prediction_to_proto(view, full))

    async def ListPredictions(
        self, request: pb.ListPredictionsRequest, context: Context
    ) -> pb.ListPredictionsResponse:
        span = request.time_range
        query = PredictionQuery(
            model_id=request.model_id,
            version_id=request.version_id,
            start=optional_datetime(span.start_time, span.HasField("start_time"), "time_range.start_time"),
            end=optional_datetime(span.end_time, span.HasField("end_time"), "time_range.end_time"),
            source=mappers.source_from_proto(request.source, "source"),
            filter=request.filter,
            ascending=ascending(request.order),
        )
        page = page_request(request.page_size, request.page_token, token_scope("ListPredictions", query))
        views, token, total = await self._records.list_predictions(principal(), query, page)
        full = mappers.full_view(request.view, default=False)
        return pb.ListPredictionsResponse(
            predictions=[mappers.prediction_to_proto(v, full) for v in views],
            next_page_token=token,
            total_size=total,
        )

    async def GetPredictionStats(
        self, request: pb.GetPredictionStatsRequest, context: Context
    ) -> pb.GetPredictionStatsResponse:
        span = request.time_range
        stats = await self._records.stats(
            principal(),
            request.model_id,
            request.version_id,
            optional_datetime(span.start_time, span.HasField("start_time"), "time_range.start_time"),
            optional_datetime(span.end_time, span.HasField("end_time"), "time_range.end_time"),
        )
        response = pb.GetPredictionStatsResponse(
            versions=[mappers.stats_to_proto(stats.model_id, v) for v in stats.versions],
            time_range=span,
        )
        if stats.total is not None:
            response.total.CopyFrom(mappers.stats_to_proto(stats.model_id, stats.total))
        return response

    async def SubmitActuals(
        self, request: pb.SubmitActualsRequest, context: Context
    ) -> pb.SubmitActualsResponse:
        matched, ignored, view = await self._records.submit_actuals(
            principal(), request.prediction_id, list(request.values), mappers.actuals_from_proto(request)
        )
        response = pb.SubmitActualsResponse(matched_points=matched, ignored_points=ignored)
        if view.accuracy is not None:
            response.accuracy.CopyFrom(mappers.accuracy_to_proto(view.accuracy, True, view.update_time))
        return response

    async def BatchPredict(
        self, request: pb.BatchPredictRequest, context: Context
    ) -> AsyncIterator[pb.BatchPredictResponse]:
        async for job_id, message in self._batches.run(
            principal(), batch_mappers.batch_spec_from_proto(request)
        ):
            yield batch_mappers.batch_message_to_proto(job_id, message)

    async def GetBatchJob(self, request: pb.GetBatchJobRequest, context: Context) -> pb.GetBatchJobResponse:
        job = await self._batches.get(principal(), request.job_id)
        return pb.GetBatchJobResponse(job=batch_mappers.batch_job_to_proto(job, self._batches.result_of(job)))
