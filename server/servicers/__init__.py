"""gRPC servicers: thin adapters from requests to domain services and back.

An RPC a servicer does not define answers UNIMPLEMENTED (the generated base
class raises NotImplementedError, which the error interceptor maps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from quantis.v1 import (
    auth_service_pb2_grpc,
    dataset_service_pb2_grpc,
    financial_service_pb2_grpc,
    model_service_pb2_grpc,
    monitoring_service_pb2_grpc,
    prediction_service_pb2_grpc,
)


@dataclass
class Servicers:
    """One servicer per quantis.v1 service."""

    auth: auth_service_pb2_grpc.AuthServiceServicer
    dataset: dataset_service_pb2_grpc.DatasetServiceServicer
    model: model_service_pb2_grpc.ModelServiceServicer
    prediction: prediction_service_pb2_grpc.PredictionServiceServicer
    financial: financial_service_pb2_grpc.FinancialServiceServicer
    monitoring: monitoring_service_pb2_grpc.MonitoringServiceServicer

    def register(self, server: grpc.aio.Server) -> None:
        registrations: list[tuple[Callable[[Any, grpc.aio.Server], None], Any]] = [
            (auth_service_pb2_grpc.add_AuthServiceServicer_to_server, self.auth),
            (dataset_service_pb2_grpc.add_DatasetServiceServicer_to_server, self.dataset),
            (model_service_pb2_grpc.add_ModelServiceServicer_to_server, self.model),
            (prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server, self.prediction),
            (financial_service_pb2_grpc.add_FinancialServiceServicer_to_server, self.financial),
            (monitoring_service_pb2_grpc.add_MonitoringServiceServicer_to_server, self.monitoring),
        ]
        for add, servicer in registrations:
            add(servicer, server)

    def drain(self) -> None:
        """Shutdown begins: open-ended streams wind down (see PredictionServicer.drain)."""
        drain = getattr(self.prediction, "drain", None)  # a test's stand-in may have none
        if drain is not None:
            drain()
