"""Composition: build every layer once and hand it to the gRPC server.

``create_server`` knows nothing of settings or databases: it takes the servicers
and interceptors it should serve with. ``serve`` builds them from Settings
(server.composition) and serves until SIGTERM or SIGINT. Tests call
``create_server`` directly with their own layers.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from server import contracts, reflection
from server.composition import build_application
from server.db.migrate import upgrade_to_head
from server.interceptors.errors import ErrorInterceptor
from server.interceptors.request_context import RequestContextInterceptor
from server.logs import configure_logging
from server.servicers import Servicers
from server.settings import Settings

log = logging.getLogger("server")


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
    servicers: Servicers,
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    host: str = "127.0.0.1",
    port: int = 0,
    max_message_bytes: int = 16 << 20,
) -> RunningServer:
    """Build, bind and start the gRPC server; port 0 binds a free port.

    ``interceptors`` are the security layers (audit, auth, rate limit), run
    inside request context and error mapping.
    """
    contracts.method_rules()  # refuse to start when an RPC has no access rule
    options = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    # Outermost first: request id + access log, error mapping, then the given layers
    # (audit, auth, rate limit; see server.composition).
    server = grpc.aio.server(
        interceptors=[RequestContextInterceptor(), ErrorInterceptor(), *interceptors], options=options
    )
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


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then drain in-flight calls and close resources."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url)
    application = await build_application(settings)
    try:
        running = await create_server(
            application.servicers,
            interceptors=application.interceptors,
            host=settings.host,
            port=settings.port,
            max_message_bytes=settings.max_message_bytes,
        )
        log.info("serving", extra={"address": f"{settings.host}:{running.port}"})
        await stop.wait()
        log.info("draining", extra={"grace_seconds": settings.shutdown_grace_seconds})
        await running.stop(settings.shutdown_grace_seconds)
    finally:
        await application.close()
    log.info("stopped")


def run(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(serve(settings))
