"""The bridge's HTTP server: routes, start and stop, and ``quantis web``'s main loop.

Routes: ``OPTIONS`` anything is a CORS preflight, ``POST /<service>/<method>`` a gRPC-web call,
``GET`` the dashboard. The bridge reaches its target over a plaintext channel: it is meant to
run next to the server (``--serve`` runs both in one process); production uses Envoy.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from aiohttp import web

from server import app as grpc_app
from server.channels import QUICK_RECONNECT
from server.errors import CannotListen
from server.settings import Settings
from server.web.bridge import GrpcWebBridge
from server.web.cors import CorsPolicy
from server.web.static import Dashboard, dashboard_dir

log = logging.getLogger("server.web")


def host_port(address: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as a pair; ValueError names what is wrong."""
    host, separator, port = address.rpartition(":")
    if not separator or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{address!r} is not host:port")
    return host.strip("[]") or "127.0.0.1", int(port)


def _preflight(cors: CorsPolicy) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("origin")
        if origin is None or not cors.allows(origin):
            raise web.HTTPForbidden(text="CORS: this origin may not call the Quantis API")
        return web.Response(headers=cors.preflight_headers(origin))

    return handle


def build_app(
    bridge: GrpcWebBridge, dashboard: Dashboard, cors: CorsPolicy, max_body: int
) -> web.Application:
    application = web.Application(client_max_size=max_body)
    application.router.add_route("OPTIONS", "/{path:.*}", _preflight(cors))
    application.router.add_post("/{service}/{method}", bridge.handle)
    application.router.add_get("/{path:.*}", dashboard.handle)
    return application


@dataclass
class RunningBridge:
    runner: web.AppRunner
    bridge: GrpcWebBridge
    port: int
    grace: float

    async def close(self) -> None:
        """Stop listening, and end the calls in flight within the grace period: the HTTP server
        alone would wait a minute for streams such as WatchEvents, which never end by themselves."""
        await asyncio.gather(self.runner.cleanup(), self.bridge.close(self.grace))


async def start_bridge(
    target: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    allowed_origins: list[str] | None = None,
    static_dir: Path | None = None,
    max_message_bytes: int = 16 << 20,
    grace: float = 5.0,
) -> RunningBridge:
    """Serve gRPC-web on host:port (0 picks a free port), forwarding to the gRPC server at target;
    closing gives calls in flight ``grace`` seconds to finish."""
    options = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        *QUICK_RECONNECT,  # the dashboard works again within a second of a server restart
    ]
    channel = grpc.aio.insecure_channel(target, options=options)
    cors = CorsPolicy(allowed_origins if allowed_origins is not None else ["*"])
    # Text mode carries a message as base64 (4 bytes for 3), plus a frame header.
    max_body = max_message_bytes * 4 // 3 + 64
    bridge = GrpcWebBridge(channel, cors)
    application = build_app(bridge, Dashboard(dashboard_dir(static_dir)), cors, max_body)
    # Handler cancellation: a browser that disconnects cancels its handler, and so its gRPC call.
    runner = web.AppRunner(application, handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await asyncio.gather(runner.cleanup(), bridge.close(0))
        raise CannotListen("listen", f"{host}:{port}", "--listen, QUANTIS_WEB_LISTEN", error) from error
    bound = int(runner.addresses[0][1])
    return RunningBridge(runner, bridge, bound, grace)


def _grpc_address(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in {"", "0.0.0.0", "::"} else settings.host
    return f"[{host}]:{settings.port}" if ":" in host else f"{host}:{settings.port}"


async def serve(settings: Settings, listen: tuple[str, int], target: str | None, with_server: bool) -> None:
    """Run the bridge until SIGTERM or SIGINT; with ``with_server`` the gRPC server too (it owns
    the signals then, drains its calls, and the bridge closes after it)."""
    host, port = listen
    target = target or _grpc_address(settings)
    bridge = await start_bridge(
        target,
        host=host,
        port=port,
        allowed_origins=settings.web_allowed_origins,
        static_dir=settings.web_static_dir,
        max_message_bytes=settings.max_message_bytes,
        grace=settings.shutdown_grace_seconds,
    )
    log.info("web serving", extra={"address": f"{host}:{bridge.port}", "target": target})
    try:
        if with_server:
            await grpc_app.serve(settings)
        else:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
    finally:
        await bridge.close()
    log.info("web stopped")
