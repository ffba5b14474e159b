"""The serving process: build every layer once from Settings, serve it, and run until told to stop.

``serve`` builds the layers (server.composition), starts the gRPC server with them
(server.grpc_server.create_server) and the periodic checks, and serves until SIGTERM
or SIGINT; ``run`` is the entry point ``quantis serve`` and the serving processes call.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from server import cpus
from server.composition import bootstrap_demo_model, build_application
from server.db.migrate import upgrade_to_head
from server.domain.monitoring.watch import ComponentWatch
from server.errors import CannotListen
from server.grpc_server import RunningServer, create_server
from server.logs import configure_logging
from server.processes import Replicas, claim_address, metrics_port, primary_gone
from server.settings import Settings
from server.tls import server_credentials

log = logging.getLogger("server")


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
    # Before anything starts threads: those the event loop's thread starts begin on its CPU.
    cpu = cpus.pin(index) if settings.pin_interpreter else None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The group's claim on its address (server.processes), held until it has stopped.
    claim = (
        claim_address(settings.host, settings.port) if index == 0 and settings.server_processes > 1 else None
    )
    try:
        if index == 0:
            await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url)
        application = await build_application(settings)
        if application.prediction is not None:
            await application.prediction.warm_deployed(application.db)
    except BaseException:
        if claim is not None:
            claim.close()
        raise
    replicas = Replicas(settings) if index == 0 and settings.server_processes > 1 else None
    running: RunningServer | None = None
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
        cpus.release_native_threads()  # gRPC's own threads, started with the server
        if (port := metrics_port(settings, index)) >= 0:
            try:
                http, _ = application.metrics.serve_http(settings.host, port)
            except OSError as error:
                chosen_by = "QUANTIS_METRICS_PORT; -1 for none"
                raise CannotListen("serve metrics", f"{settings.host}:{port}", chosen_by, error) from error
            log.info("metrics", extra={"address": f"{settings.host}:{http.server_port}"})
        log.info(
            "serving",
            extra={"address": f"{settings.host}:{running.port}", "server_process": index, "cpu": cpu},
        )
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
        supervisor = None
        if replicas is not None:
            await replicas.start()
            supervisor = asyncio.create_task(replicas.supervise())
            supervisor.add_done_callback(lambda _: stop.set())  # a process that cannot listen ends it
            watchers.append(supervisor)
        await stop.wait()
        for watcher in watchers:
            watcher.cancel()
        if supervisor is not None and supervisor.done() and not supervisor.cancelled():
            supervisor.result()  # raises that process's CannotListen: stop them all
        grace = settings.shutdown_grace_seconds
        log.info("draining", extra={"grace_seconds": grace, "server_process": index})
        await asyncio.gather(running.stop(grace), *([replicas.stop(grace)] if replicas is not None else []))
        running = None
    finally:
        if running is not None:  # a start-up that failed part way, after the gRPC server started
            await running.stop(0)
        if replicas is not None:
            await replicas.stop(0)  # a start-up that failed part way: none may outlive this one
        await application.close()
        if claim is not None:
            claim.close()
    log.info("stopped", extra={"server_process": index})


def run(settings: Settings, *, index: int = 0, primary: int = 0) -> None:
    configure_logging(settings.log_level, settings.log_json)
    sys.setswitchinterval(settings.switch_interval_ms / 1000)
    asyncio.run(serve(settings, index=index, primary=primary))
