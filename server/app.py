"""Composition: build every layer once and hand it to the gRPC server.

``create_server`` knows nothing of settings or databases: it takes the servicers
and interceptors it should serve with. ``serve`` builds them from Settings
(server.composition) and serves until SIGTERM or SIGINT. Tests call
``create_server`` directly with their own layers.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry import trace

from server import contracts, reflection
from server.composition import bootstrap_demo_model, build_application
from server.db.migrate import upgrade_to_head
from server.domain.monitoring.watch import ComponentWatch
from server.interceptors.errors import ErrorInterceptor
from server.interceptors.request_context import RequestContextInterceptor
from server.interceptors.wrapping import LayeredHandlers, WrappingInterceptor
from server.logs import configure_logging
from server.observability.metrics import RpcMetrics
from server.processes import Replicas, metrics_port, primary_gone
from server.servicers import Servicers
from server.settings import Settings
from server.tls import server_credentials

log = logging.getLogger("server")

# A health service name that answers SERVING as long as the process serves at all, whatever
# its dependencies: for liveness probes, which should restart a stuck process, not one
# waiting out a database outage.
LIVENESS_SERVICE = "quantis.liveness"


class _Registry:
    """The server as the generated ``add_*_to_server`` functions see it: it takes their generic
    handlers, runs each call inside the server's layers (see LayeredHandlers), and ignores
    their registered-method handlers.

    grpc.aio's serving loop keeps one pending request per registered method and, to accept
    each call, waits on all of them (``asyncio.wait`` over some eighty futures, each given a
    done callback and relieved of it again): on a busy server that was a tenth of the event
    loop's time per unary call. Generic handlers are served from a single pending request,
    and find their method with one lookup per service.
    """

    def __init__(self, server: grpc.aio.Server, layers: Sequence[WrappingInterceptor]):
        self._server = server
        self._layers = layers

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers([LayeredHandlers(h, self._layers) for h in handlers])

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        """Left out on purpose: the generic handler given alongside serves the same methods."""


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    servicers: Servicers

    async def set_serving(self, serving: bool) -> None:
        """Report every service SERVING or NOT_SERVING to health checkers (load balancers)."""
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ["", *(service.full_name for service in contracts.services())]:
            await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        """Report NOT_SERVING, wind streams down, let in-flight calls finish for ``grace`` seconds,
        then stop."""
        await self.health.enter_graceful_shutdown()
        self.servicers.drain()
        await self.server.stop(grace)


async def create_server(
    servicers: Servicers,
    *,
    interceptors: Sequence[WrappingInterceptor] = (),
    metrics: RpcMetrics | None = None,
    tracer: trace.Tracer | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    max_message_bytes: int = 16 << 20,
    credentials: grpc.ServerCredentials | None = None,
    share_port: bool = False,
) -> RunningServer:
    """Build, bind and start the gRPC server; port 0 binds a free port.

    With ``credentials`` (see server.tls) the port serves TLS, else plaintext. With
    ``share_port`` other processes may bind the same port (SO_REUSEPORT, see server.processes);
    without it a second server on the port fails to start instead of silently sharing it.

    ``interceptors`` are the security layers (audit, auth, rate limit), run
    inside request context and error mapping.
    """
    contracts.method_rules()  # refuse to start when an RPC has no access rule
    options = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.so_reuseport", int(share_port)),
    ]
    # Outermost first: request id + server span + access log, error mapping, then the given layers
    # (audit, auth, rate limit; see server.composition).
    server = grpc.aio.server(options=options)
    layers = [RequestContextInterceptor(metrics, tracer), ErrorInterceptor(), *interceptors]
    registry = cast(grpc.aio.Server, _Registry(server, layers))
    servicers.register(registry)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, registry)
    names = [service.full_name for service in contracts.services()]
    reflection.enable(registry, [*names, health.SERVICE_NAME])
    address = f"{host}:{port}"
    bound = (
        server.add_secure_port(address, credentials)
        if credentials is not None
        else server.add_insecure_port(address)
    )
    if bound == 0:
        raise OSError(f"could not bind {host}:{port}")
    await server.start()
    running = RunningServer(server=server, port=bound, health=health_servicer, servicers=servicers)
    await running.set_serving(True)
    await health_servicer.set(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    return running


async def watch_components(running: RunningServer, watch: ComponentWatch, interval: float) -> None:
    """Keep grpc.health.v1 in step with the database, and alerts with every component."""
    while True:
        await asyncio.sleep(interval)
        try:
            serving, _ = await watch.check_once()
        except Exception:
            log.exception("component check failed")
            serving = False
        await running.set_serving(serving)


async def check_periodically(check: Callable[[], Awaitable[object]], interval: float, what: str) -> None:
    """Run ``check`` every ``interval`` seconds (drift, accuracy, error rates); a round that
    fails is logged and the next one runs as usual."""
    while True:
        await asyncio.sleep(interval)
        try:
            await check()
        except Exception:
            log.exception("%s failed", what)


async def serve(settings: Settings, *, index: int = 0, primary: int = 0) -> None:
    """Run until SIGTERM or SIGINT, then drain in-flight calls and close resources.

    ``index`` 0 is the process ``quantis serve`` started: it migrates the database, creates the
    demo model, runs the host-wide checks and starts the other serving processes
    (``settings.server_processes``, see server.processes), which are given their ``index`` and
    the ``primary``'s pid.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if index == 0:
        await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url)
    application = await build_application(settings)
    replicas = Replicas(settings) if index == 0 and settings.server_processes > 1 else None
    try:
        if settings.demo_model and index == 0:
            await bootstrap_demo_model(application)
        running = await create_server(
            application.servicers,
            interceptors=application.interceptors,
            metrics=application.metrics,
            tracer=application.tracer,
            host=settings.host,
            port=settings.port,
            max_message_bytes=settings.max_message_bytes,
            credentials=server_credentials(settings),
            share_port=settings.server_processes > 1,
        )
        if (port := metrics_port(settings, index)) >= 0:
            http, _ = application.metrics.serve_http(settings.host, port)
            log.info("metrics", extra={"address": f"{settings.host}:{http.server_port}"})
        log.info("serving", extra={"address": f"{settings.host}:{running.port}", "server_process": index})
        # What start-up built (modules, ORM metadata, torch) lives as long as the process: out of
        # the collector's full passes, which otherwise walk all of it every few thousand
        # allocations on a busy request path (one streamed response's arrays converted 18x slower).
        gc.freeze()
        watchers = [
            asyncio.create_task(
                watch_components(running, application.component_watch, settings.health_check_seconds)
            ),
            asyncio.create_task(  # each process's own calls
                check_periodically(
                    application.error_rate_watch.check_once, settings.model_check_seconds, "error rate check"
                )
            ),
        ]
        if index == 0:  # the database's, once for the host
            watchers += [
                asyncio.create_task(
                    check_periodically(
                        application.model_watch.check_once, settings.model_check_seconds, "model check"
                    )
                ),
                asyncio.create_task(
                    check_periodically(
                        application.history_retention.prune_once,
                        settings.history_prune_seconds,
                        "history pruning",
                    )
                ),
            ]
        else:
            watchers.append(asyncio.create_task(primary_gone(primary, stop)))
        if replicas is not None:
            await replicas.start()
            watchers.append(asyncio.create_task(replicas.supervise()))
        await stop.wait()
        for watcher in watchers:
            watcher.cancel()
        grace = settings.shutdown_grace_seconds
        log.info("draining", extra={"grace_seconds": grace, "server_process": index})
        await asyncio.gather(running.stop(grace), *([replicas.stop(grace)] if replicas is not None else []))
    finally:
        if replicas is not None:
            await replicas.stop(0)  # a start-up that failed part way: none may outlive this one
        await application.close()
    log.info("stopped", extra={"server_process": index})


def run(settings: Settings, *, index: int = 0, primary: int = 0) -> None:
    configure_logging(settings.log_level, settings.log_json)
    sys.setswitchinterval(settings.switch_interval_ms / 1000)
    asyncio.run(serve(settings, index=index, primary=primary))
