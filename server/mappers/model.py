"""ModelService messages from and to domain objects."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from google.protobuf import duration_pb2
from quantis.v1 import common_pb2
from quantis.v1 import model_service_pb2 as pb

from server.db.enums import ModelType, ModelVersionState
from server.domain.forecasting.comparison import Comparison
from server.domain.forecasting.models import ModelView
from server.domain.forecasting.specs import MISSING, ModelSpec, type_spec
from server.domain.forecasting.versions import DeploymentView, VersionView, deployment_view
from server.jobs.store import ModelStore
from server.mappers.common import from_wire, timestamp
from server.mappers.dataset import frequency_from_proto, frequency_to_proto
from training import MODEL_TYPES
from training.registry import HyperparameterSpec, ModelTypeSpec

MODEL_TYPES_PB = {t: getattr(common_pb2, f"MODEL_TYPE_{t.name}") for t in ModelType}
VERSION_STATES_PB = {s: getattr(pb, f"MODEL_VERSION_STATE_{s.name}") for s in ModelVersionState}
KINDS_PB = {
    "int": pb.HYPERPARAMETER_KIND_INT,
    "float": pb.HYPERPARAMETER_KIND_FLOAT,
    "categorical": pb.HYPERPARAMETER_KIND_CATEGORICAL,
    "bool": pb.HYPERPARAMETER_KIND_BOOL,
}
METRICS_PB = {
    "mae": pb.COMPARISON_METRIC_MAE,
    "rmse": pb.COMPARISON_METRIC_RMSE,
    "smape": pb.COMPARISON_METRIC_SMAPE,
    "mase": pb.COMPARISON_METRIC_MASE,
    "coverage_80": pb.COMPARISON_METRIC_COVERAGE_80,
}


model_type_from_proto = from_wire(MODEL_TYPES_PB)


version_state_from_proto = from_wire(VERSION_STATES_PB)


metric_from_proto = from_wire(METRICS_PB)


def duration(seconds: float) -> duration_pb2.Duration:
    message = duration_pb2.Duration()
    message.FromTimedelta(timedelta(seconds=seconds))
    return message


# --- hyperparameters ---------------------------------------------------------------


def value_from_proto(value: pb.HyperparameterValue) -> Any:
    which = value.WhichOneof("value")
    return MISSING if which is None else getattr(value, which)


def values_from_proto(values: Any) -> dict[str, Any]:
    return {name: value_from_proto(value) for name, value in values.items()}


def value_to_proto(kind: str, value: Any) -> pb.HyperparameterValue:
    if kind == "bool":
        return pb.HyperparameterValue(bool_value=bool(value))
    if kind == "categorical":
        return pb.HyperparameterValue(string_value=str(value))
    if kind == "int":
        return pb.HyperparameterValue(int_value=int(value))
    return pb.HyperparameterValue(double_value=float(value))


def values_to_proto(model_type: ModelType, values: dict[str, Any]) -> dict[str, pb.HyperparameterValue]:
    kinds = {hp.name: hp.kind for hp in type_spec(model_type).hyperparameters}
    return {name: value_to_proto(kinds.get(name, "float"), value) for name, value in values.items()}


def spec_to_proto(spec: HyperparameterSpec) -> pb.HyperparameterSpec:
    message = pb.HyperparameterSpec(
        name=spec.name,
        description=spec.description,
        kind=KINDS_PB[spec.kind],
        default_value=value_to_proto(spec.kind, spec.default),
        choices=list(spec.choices) if spec.kind == "categorical" else [],
        log_scale=spec.log_scale,
    )
    if spec.kind in ("int", "float"):
        if spec.min is not None:
            message.min_value.CopyFrom(value_to_proto(spec.kind, spec.min))
        if spec.max is not None:
            message.max_value.CopyFrom(value_to_proto(spec.kind, spec.max))
    return message


def model_type_info(model_type: ModelType, spec: ModelTypeSpec) -> pb.ModelTypeInfo:
    return pb.ModelTypeInfo(
        type=MODEL_TYPES_PB[model_type],
        display_name=spec.display_name,
        description=spec.description,
        family=pb.MODEL_FAMILY_DEEP if spec.deep else pb.MODEL_FAMILY_STATISTICAL,
        supports_quantiles=True,
        supports_covariates=False,
        supports_panels=spec.deep,
        hyperparameters=[spec_to_proto(hp) for hp in spec.hyperparameters],
    )


def model_types_to_proto() -> pb.ListModelTypesResponse:
    return pb.ListModelTypesResponse(
        model_types=[model_type_info(t, MODEL_TYPES[t.value.upper()]) for t in ModelType]
    )


# --- requests ----------------------------------------------------------------------


def model_spec_from_proto(request: pb.CreateModelRequest) -> ModelSpec:
    return ModelSpec(
        name=request.name,
        description=request.description,
        type=model_type_from_proto(request.type, "type"),
        dataset_id=request.dataset_id,
        target_column=request.target_column,
        horizon=request.horizon,
        frequency=frequency_from_proto(request.frequency, "frequency"),
        quantiles=tuple(request.quantiles),
        hyperparameters=values_from_proto(request.hyperparameters),
        labels=dict(request.labels),
    )


# --- resources ----------------------------------------------------------------------


def deployment_to_proto(deployment: DeploymentView) -> pb.Deployment:
    return pb.Deployment(
        model_id=deployment.model_id,
        splits=[pb.TrafficSplit(version_id=v, percent=p) for v, p in deployment.splits],
        update_time=timestamp(deployment.update_time),
        updated_by=deployment.updated_by,
    )


def model_to_proto(view: ModelView) -> pb.Model:
    model = view.model
    deployment = deployment_view(model, view.deployments)
    return pb.Model(
        model_id=model.id,
        owner_id=model.owner_id,
        name=model.name,
        description=model.description,
        type=MODEL_TYPES_PB[model.model_type],
        dataset_id=model.dataset_id or "",
        target_column=model.target_column,
        horizon=model.horizon,
        frequency=frequency_to_proto(model.frequency),
        quantiles=list(model.quantiles),
        hyperparameters=values_to_proto(model.model_type, model.hyperparameters),
        labels=dict(model.labels),
        default_version_id=model.default_version_id or "",
        deployment=deployment_to_proto(deployment) if deployment else None,
        latest_version=view.latest_version,
        create_time=timestamp(model.created_at),
        update_time=timestamp(model.updated_at),
    )


def metrics_to_proto(metrics: dict[str, Any]) -> common_pb2.Metrics:
    def number(name: str) -> float:
        value = metrics.get(name)
        return float(value) if value is not None else float("nan")

    return common_pb2.Metrics(
        mae=number("mae"),
        rmse=number("rmse"),
        smape=number("smape"),
        mase=number("mase"),
        coverage_80=number("coverage_80"),
        points=int(metrics.get("points") or 0),
    )


def time_range(start: datetime | None, end: datetime | None) -> common_pb2.TimeRange:
    return common_pb2.TimeRange(start_time=timestamp(start), end_time=timestamp(end))


def version_to_proto(view: VersionView, store: ModelStore) -> pb.ModelVersion:
    version = view.version
    return pb.ModelVersion(
        version_id=version.id,
        model_id=version.model_id,
        version=version.number,
        state=VERSION_STATES_PB[version.state],
        validation_metrics=metrics_to_proto(version.metrics),
        backtest_metrics=metrics_to_proto(version.backtest_metrics) if version.backtest_metrics else None,
        artifact_uri=store.uri(version.artifact_path),
        mar_uri=store.uri(version.mar_path),
        training_job_id=version.training_job_id or "",
        training_data_range=time_range(version.data_start, version.data_end),
        parameter_count=version.parameter_count,
        training_duration=duration(version.training_seconds),
        create_time=timestamp(version.created_at),
        deployed=view.traffic_percent > 0,
        traffic_percent=view.traffic_percent,
        validation_data_range=time_range(version.validation_start, version.validation_end),
        hyperparameters=values_to_proto(view.model_type, version.hyperparameters),
    )


def comparison_to_proto(result: Comparison) -> pb.CompareModelsResponse:
    window = result.window
    return pb.CompareModelsResponse(
        rows=[
            pb.ComparisonRow(
                version_id=row.version.id,
                model_id=row.model.id,
                model_name=row.model.name,
                type=MODEL_TYPES_PB[row.model.model_type],
                version=row.version.number,
                metrics=metrics_to_proto(row.metrics),
                rank=row.rank,
            )
            for row in result.rows
        ],
        window=pb.EvaluationWindow(
            dataset_id=window.dataset_id,
            target_column=window.target_column,
            horizon=window.horizon,
            time_range=time_range(window.start, window.end),
            series_count=window.series_count,
            points=window.points,
            description=window.description,
        ),
        rank_by=METRICS_PB[result.rank_by],
        best_by_metric=[
            pb.BestVersion(metric=METRICS_PB[metric], version_id=vid, value=value)
            for metric, vid, value in result.best
        ],
    )
