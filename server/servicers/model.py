"""ModelService servicer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from quantis.v1 import model_service_pb2 as pb
from quantis.v1 import model_service_pb2_grpc

from server.domain.forecasting.comparison import ModelComparison
from server.domain.forecasting.jobs import JobQuery, JobView, TrainingJobs
from server.domain.forecasting.models import ModelCatalog, ModelQuery
from server.domain.forecasting.versions import ModelVersions, VersionQuery
from server.domain.pagination import page_request, token_scope
from server.errors import InvalidArgument
from server.jobs.records import snapshot_of
from server.jobs.store import ModelStore
from server.mappers import model as mappers
from server.mappers import training_jobs as job_mappers
from server.mappers.common import ascending
from server.servicers.context import principal

Context = grpc.aio.ServicerContext[Any, Any]


def _job(view: JobView) -> pb.TrainingJob:
    return job_mappers.job_to_proto(view, snapshot_of(view.job))


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """quantis.v1.ModelService."""

    def __init__(
        self,
        models: ModelCatalog,
        jobs: TrainingJobs,
        versions: ModelVersions,
        comparison: ModelComparison,
        store: ModelStore,
    ):
        self._models = models
        self._jobs = jobs
        self._versions = versions
        self._comparison = comparison
        self._store = store

    async def ListModelTypes(
        self, request: pb.ListModelTypesRequest, context: Context
    ) -> pb.ListModelTypesResponse:
        return mappers.model_types_to_proto()

    async def CreateModel(self, request: pb.CreateModelRequest, context: Context) -> pb.CreateModelResponse:
        view = await self._models.create(principal(), mappers.model_spec_from_proto(request))
        return pb.CreateModelResponse(model=mappers.model_to_proto(view))

    async def ListModels(self, request: pb.ListModelsRequest, context: Context) -> pb.ListModelsResponse:
        query = ModelQuery(
            type=mappers.model_type_from_proto(request.type, "type"),
            dataset_id=request.dataset_id,
            name_contains=request.name_contains,
            filter=request.filter,
            ascending=ascending(request.order),
        )
        page = page_request(request.page_size, request.page_token, token_scope("ListModels", query))
        views, token, total = await self._models.list_models(principal(), query, page)
        return pb.ListModelsResponse(
            models=[mappers.model_to_proto(v) for v in views], next_page_token=token, total_size=total
        )

    async def GetModel(self, request: pb.GetModelRequest, context: Context) -> pb.GetModelResponse:
        view = await self._models.get(principal(), request.model_id)
        return pb.GetModelResponse(model=mappers.model_to_proto(view))

    async def DeleteModel(self, request: pb.DeleteModelRequest, context: Context) -> pb.DeleteModelResponse:
        await self._models.delete(principal(), request.model_id)
        return pb.DeleteModelResponse()

    async def TrainModel(self, request: pb.TrainModelRequest, context: Context) -> pb.TrainModelResponse:
        view = await self._jobs.train(
            principal(), request.model_id, job_mappers.train_spec_from_proto(request)
        )
        return pb.TrainModelResponse(job=_job(view))

    async def GetTrainingJob(
        self, request: pb.GetTrainingJobRequest, context: Context
    ) -> pb.GetTrainingJobResponse:
        view = await self._jobs.get(principal(), request.job_id)
        return pb.GetTrainingJobResponse(job=_job(view))

    async def WatchTrainingJob(
        self, request: pb.WatchTrainingJobRequest, context: Context
    ) -> AsyncIterator[pb.WatchTrainingJobResponse]:
        async for snapshot in self._jobs.watch(principal(), request.job_id):
            yield pb.WatchTrainingJobResponse(progress=job_mappers.progress_to_proto(snapshot))

    async def CancelTrainingJob(
        self, request: pb.CancelTrainingJobRequest, context: Context
    ) -> pb.CancelTrainingJobResponse:
        view = await self._jobs.cancel(principal(), request.job_id)
        return pb.CancelTrainingJobResponse(job=_job(view))

    async def ListTrainingJobs(
        self, request: pb.ListTrainingJobsRequest, context: Context
    ) -> pb.ListTrainingJobsResponse:
        states = []
        for index, number in enumerate(request.states):
            state = job_mappers.job_state_from_proto(number, f"states[{index}]")
            if state is None:
                raise InvalidArgument.field(
                    f"states[{index}]", "must be a TrainingJobState other than UNSPECIFIED"
                )
            states.append(state)
        query = JobQuery(
            model_id=request.model_id,
            states=tuple(states),
            filter=request.filter,
            ascending=ascending(request.order),
        )
        page = page_request(request.page_size, request.page_token, token_scope("ListTrainingJobs", query))
        views, token, total = await self._jobs.list_jobs(principal(), query, page)
        return pb.ListTrainingJobsResponse(
            jobs=[_job(v) for v in views], next_page_token=token, total_size=total
        )

    async def ListModelVersions(
        self, request: pb.ListModelVersionsRequest, context: Context
    ) -> pb.ListModelVersionsResponse:
        query = VersionQuery(
            state=mappers.version_state_from_proto(request.state, "state"),
            filter=request.filter,
            ascending=ascending(request.order),
        )
        scope = token_scope("ListModelVersions", request.model_id, query)
        page = page_request(request.page_size, request.page_token, scope)
        views, token, total = await self._versions.list_versions(principal(), request.model_id, query, page)
        return pb.ListModelVersionsResponse(
            versions=[mappers.version_to_proto(v, self._store) for v in views],
            next_page_token=token,
            total_size=total,
        )

    async def GetModelVersion(
        self, request: pb.GetModelVersionRequest, context: Context
    ) -> pb.GetModelVersionResponse:
        view = await self._versions.get(principal(), request.version_id)
        return pb.GetModelVersionResponse(version=mappers.version_to_proto(view, self._store))

    async def DeployModelVersion(
        self, request: pb.DeployModelVersionRequest, context: Context
    ) -> pb.DeployModelVersionResponse:
        splits = [(s.version_id, s.percent) for s in request.splits]
        deployment = await self._versions.deploy(principal(), request.model_id, request.version_id, splits)
        return pb.DeployModelVersionResponse(deployment=mappers.deployment_to_proto(deployment))

    async def CompareModels(
        self, request: pb.CompareModelsRequest, context: Context
    ) -> pb.CompareModelsResponse:
        result = await self._comparison.compare(
            principal(),
            list(request.version_ids),
            list(request.model_ids),
            mappers.metric_from_proto(request.rank_by, "rank_by"),
        )
        return mappers.comparison_to_proto(result)
