"""Composition: build every layer once and hand it to the gRPC server.

``create_server`` knows nothing of settings files or databases: it takes the
servicers it should serve. ``run`` builds them from Settings and serves until
SIGTERM or SIGINT. Tests call ``create_server`` directly with their own layers.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from quantis.v1 import (
    auth_service_pb2_grpc,
    dataset_service_pb2_grpc,
    financial_service_pb2_grpc,
    model_service_pb2_grpc,
    monitoring_service_pb2_grpc,
    prediction_service_pb2_grpc,
)

from server import contracts, reflection
from server.db.migrate import upgrade_to_head
from server.interceptors.errors import ErrorInterceptor
from server.interceptors.request_context import RequestContextInterceptor
from server.logs import configure_logging
from server.servicers.auth import AuthServicer
from server.servicers.dataset import DatasetServicer
from server.servicers.financial import FinancialServicer
from server.servicers.model import ModelServicer
from server.servicers.monitoring import MonitoringServicer
from server.servicers.prediction import PredictionServicer
from server.settings import Settings

log = logging.getLogger("server")


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


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer

    async def stop(self, grace: float) -> None:
        """Report NOT_SERVING, let in-flight calls finish for ``grace`` seconds, then stop."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


async def create_server(
    servicers: Servicers, *, host: str = "127.0.0.1", port: int = 0, max_message_bytes: int = 16 << 20
) -> RunningServer:
    """Build, bind and start the gRPC server; port 0 binds a free port."""
    contracts.method_rules()  # refuse to start when an RPC has no access rule
    options = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    # Interceptors run outermost first: request id + access log, then error mapping.
    # Metrics/tracing, auth, rate limit and validation go after error mapping.
    server = grpc.aio.server(interceptors=[RequestContextInterceptor(), ErrorInterceptor()], options=options)
    servicers.register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [service.full_name for service in contracts.services()]
    reflection.enable(server, [*names, health.SERVICE_NAME])
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"could not bind {host}:{port}")
    await server.start()
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return RunningServer(server=server, port=bound, health=health_servicer)


def build_servicers() -> Servicers:
    """The servicers, with their domain layers wired in as those land."""
    return Servicers(
        auth=AuthServicer(),
        dataset=DatasetServicer(),
        model=ModelServicer(),
        prediction=PredictionServicer(),
        financial=FinancialServicer(),
        monitoring=MonitoringServicer(),
    )


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then drain in-flight calls and close resources."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url)
    running = await create_server(
        build_servicers(),
        host=settings.host,
        port=settings.port,
        max_message_bytes=settings.max_message_bytes,
    )
    log.info("serving", extra={"address": f"{settings.host}:{running.port}"})
    await stop.wait()
    log.info("draining", extra={"grace_seconds": settings.shutdown_grace_seconds})
    await running.stop(settings.shutdown_grace_seconds)
    log.info("stopped")


def run(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(serve(settings))
