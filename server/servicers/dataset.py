"""DatasetService: uploads, stored datasets, their statistics, previews and downloads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
from quantis.v1 import dataset_service_pb2 as pb
from quantis.v1 import dataset_service_pb2_grpc

from server.domain.datasets.filters import typed_filter
from server.domain.datasets.service import DatasetService
from server.domain.datasets.uploads import UploadService
from server.domain.pagination import page_request, token_scope
from server.errors import InvalidArgument, QuantisError
from server.mappers import dataset as mappers
from server.mappers.common import ascending
from server.servicers.context import principal

Context = grpc.aio.ServicerContext[Any, Any]
DEFAULT_MAX_SERIES = 1000
DRAIN_SECONDS = 10.0


async def _chunks(stream: AsyncIterator[pb.UploadDatasetRequest]) -> AsyncIterator[bytes]:
    async for message in stream:
        if message.WhichOneof("content") != "chunk":
            raise InvalidArgument.field("metadata", "only the first message of the stream carries metadata")
        yield message.chunk


async def _drain(stream: AsyncIterator[pb.UploadDatasetRequest]) -> None:
    async for _ in stream:
        pass


class DatasetServicer(dataset_service_pb2_grpc.DatasetServiceServicer):
    """quantis.v1.DatasetService."""

    def __init__(self, datasets: DatasetService, uploads: UploadService):
        self._datasets = datasets
        self._uploads = uploads

    async def UploadDataset(
        self, request_iterator: AsyncIterator[pb.UploadDatasetRequest], context: Context
    ) -> pb.UploadDatasetResponse:
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("content") != "metadata":
            raise InvalidArgument.field("metadata", "the first message of the stream must carry the metadata")
        spec = mappers.spec_from_proto(first.metadata)
        try:
            dataset = await self._datasets.upload(principal(), spec, _chunks(request_iterator))
        except QuantisError:
            # Refused mid-stream (too large, bad chunk): read what the client is still
            # sending, for a while, so it receives this status rather than a broken stream.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(_drain(request_iterator), DRAIN_SECONDS)
            raise
        return pb.UploadDatasetResponse(dataset=mappers.dataset_to_proto(dataset))

    async def StartUpload(self, request: pb.StartUploadRequest, context: Context) -> pb.StartUploadResponse:
        spec = mappers.spec_from_proto(request.metadata)
        view = await self._uploads.start(principal(), spec, request.total_size, request.sha256)
        return pb.StartUploadResponse(upload_session=mappers.upload_to_proto(view))

    async def UploadChunk(self, request: pb.UploadChunkRequest, context: Context) -> pb.UploadChunkResponse:
        committed = await self._uploads.append(principal(), request.upload_id, request.offset, request.data)
        return pb.UploadChunkResponse(committed_size=committed)

    async def GetUpload(self, request: pb.GetUploadRequest, context: Context) -> pb.GetUploadResponse:
        view = await self._uploads.get(principal(), request.upload_id)
        return pb.GetUploadResponse(upload_session=mappers.upload_to_proto(view))

    async def CompleteUpload(
        self, request: pb.CompleteUploadRequest, context: Context
    ) -> pb.CompleteUploadResponse:
        dataset = await self._uploads.complete(principal(), request.upload_id)
        return pb.CompleteUploadResponse(dataset=mappers.dataset_to_proto(dataset))

    async def ListDatasets(
        self, request: pb.ListDatasetsRequest, context: Context
    ) -> pb.ListDatasetsResponse:
        where = typed_filter(
            request.name_contains,
            mappers.format_from_proto(request.format, "format"),
            mappers.frequency_from_proto(request.frequency, "frequency"),
            dict(request.labels),
            request.filter,
        )
        scope = token_scope(
            "ListDatasets",
            request.name_contains,
            request.format,
            request.frequency,
            sorted(request.labels.items()),
            request.filter,
            ascending(request.order),
        )
        found, token, total = await self._datasets.list_datasets(
            principal(),
            page_request(request.page_size, request.page_token, scope),
            where,
            ascending=ascending(request.order),
        )
        return pb.ListDatasetsResponse(
            datasets=[mappers.dataset_to_proto(d) for d in found], next_page_token=token, total_size=total
        )

    async def GetDataset(self, request: pb.GetDatasetRequest, context: Context) -> pb.GetDatasetResponse:
        dataset = await self._datasets.get(principal(), request.dataset_id)
        return pb.GetDatasetResponse(dataset=mappers.dataset_to_proto(dataset))

    async def GetDatasetStats(
        self, request: pb.GetDatasetStatsRequest, context: Context
    ) -> pb.GetDatasetStatsResponse:
        dataset, stats = await self._datasets.stats(principal(), request.dataset_id, request.max_series)
        limit = request.max_series or DEFAULT_MAX_SERIES
        return pb.GetDatasetStatsResponse(stats=mappers.stats_to_proto(dataset.id, stats, limit))

    async def PreviewDataset(
        self, request: pb.PreviewDatasetRequest, context: Context
    ) -> pb.PreviewDatasetResponse:
        names, rows, total = await self._datasets.preview(principal(), request.dataset_id, request.row_count)
        return pb.PreviewDatasetResponse(
            column_names=names, rows=[pb.PreviewRow(cells=row) for row in rows], total_rows=total
        )

    async def DownloadDataset(
        self, request: pb.DownloadDatasetRequest, context: Context
    ) -> AsyncIterator[pb.DownloadDatasetResponse]:
        download = await self._datasets.download(
            principal(),
            request.dataset_id,
            mappers.format_from_proto(request.format, "format"),
            request.offset,
        )
        first = True
        async for offset, chunk in self._datasets.chunks(download):
            yield pb.DownloadDatasetResponse(
                chunk=chunk, offset=offset, total_size=download.size, sha256=download.sha256 if first else ""
            )
            first = False

    async def DeleteDataset(
        self, request: pb.DeleteDatasetRequest, context: Context
    ) -> pb.DeleteDatasetResponse:
        await self._datasets.delete(principal(), request.dataset_id)
        return pb.DeleteDatasetResponse()
