"""The generated stubs of every service, over one channel (sync or asyncio alike)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quantis.v1 import (
    auth_service_pb2_grpc,
    dataset_service_pb2_grpc,
    financial_service_pb2_grpc,
    model_service_pb2_grpc,
    monitoring_service_pb2_grpc,
    prediction_service_pb2_grpc,
)


@dataclass(frozen=True)
class Stubs:
    auth: auth_service_pb2_grpc.AuthServiceStub
    datasets: dataset_service_pb2_grpc.DatasetServiceStub
    models: model_service_pb2_grpc.ModelServiceStub
    predictions: prediction_service_pb2_grpc.PredictionServiceStub
    financial: financial_service_pb2_grpc.FinancialServiceStub
    monitoring: monitoring_service_pb2_grpc.MonitoringServiceStub


def stubs(channel: Any) -> Stubs:
    # grpcio-tools generates the stubs without annotations, hence the ignores.
    return Stubs(
        auth_service_pb2_grpc.AuthServiceStub(channel),  # type: ignore[no-untyped-call]
        dataset_service_pb2_grpc.DatasetServiceStub(channel),  # type: ignore[no-untyped-call]
        model_service_pb2_grpc.ModelServiceStub(channel),  # type: ignore[no-untyped-call]
        prediction_service_pb2_grpc.PredictionServiceStub(channel),  # type: ignore[no-untyped-call]
        financial_service_pb2_grpc.FinancialServiceStub(channel),  # type: ignore[no-untyped-call]
        monitoring_service_pb2_grpc.MonitoringServiceStub(channel),  # type: ignore[no-untyped-call]
    )
