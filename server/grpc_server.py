"""The gRPC server: build, bind and start it with the servicers and interceptors it is given,
and report its health.

``create_server`` knows nothing of settings or databases: it takes the servicers
and interceptors it should serve with. ``server.app.serve`` builds them from
Settings; tests call ``create_server`` directly with their own layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry import trace

from server import contracts, reflection
from server.errors import CannotListen
from server.interceptors.errors import ErrorInterceptor
from server.interceptors.request_context import RequestContextInterceptor
from server.interceptors.wrapping import LayeredHandlers, WrappingInterceptor
from server.observability.metrics import RpcMetrics
from server.servicers import Servicers

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
    try:
        bound = (
            server.add_secure_port(address, credentials)
            if credentials is not None
            else server.add_insecure_port(address)
        )
    except RuntimeError:  # grpc's "Failed to bind", which says no more
        bound = 0
    if bound == 0:
        raise CannotListen(
            "serve gRPC",
            address,
            "QUANTIS_HOST, QUANTIS_PORT, or serve's --host, --port",
            "the address is in use or not this machine's",
        )
    await server.start()
    running = RunningServer(server=server, port=bound, health=health_servicer, servicers=servicers)
    await running.set_serving(True)
    await health_servicer.set(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    return running
