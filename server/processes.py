"""Several serving processes on one gRPC port (``QUANTIS_SERVER_PROCESSES``).

A server process runs Python on one core at a time: under unary load its event loop holds the
interpreter lock most of the time while the host's other cores idle. So ``quantis serve`` can
start more serving processes beside itself, each a replica as a deployment would run them
(server.app.serve with its index): its own event loop, batcher, in-process models and history
process, all bound to the same port with SO_REUSEPORT, so the kernel hands each new connection
to one of them. What they must agree on lives where every replica finds it: the database, and
Redis for revoked tokens, rate limits and events (Settings refuses more than one process
without it).

Process 0, the one started, is the primary: it migrates the database, creates the demo model,
runs the host-wide duties (the model check, history pruning) and starts the others, restarting
one that dies. Each process serves its own metrics on ``metrics_port + index``. A replica ends
when the primary stops it (SIGTERM, which drains its calls like the primary's own) or when the
primary is gone.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from multiprocessing.process import BaseProcess

from server.settings import Settings

log = logging.getLogger("server.processes")

RESTART_DELAY_SECONDS = 1.0


def metrics_port(settings: Settings, index: int) -> int:
    """Where process ``index`` serves its metrics: 0 (a free port) and -1 (none) as given."""
    return settings.metrics_port + index if settings.metrics_port > 0 else settings.metrics_port


def _replica_main(settings: Settings, index: int, primary: int) -> None:
    from server.app import run  # not at the top: server.app imports this module

    run(settings, index=index, primary=primary)


async def primary_gone(primary: int, stop: asyncio.Event, interval: float = 1.0) -> None:
    """Set ``stop`` once the process that started this one has exited (its pid is no longer
    this process's parent): a replica must not serve on alone after a primary was killed."""
    while True:
        if os.getppid() != primary:
            break
        await asyncio.sleep(interval)
    log.warning("the primary serving process is gone; stopping")
    stop.set()


class Replicas:
    """Processes 1..count-1, started and kept running by the primary."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[int, BaseProcess] = {}
        self._stopping = False

    def _start(self, index: int) -> None:
        process = self._context.Process(
            target=_replica_main,
            args=(self._settings, index, os.getpid()),
            name=f"quantis-serve-{index}",
        )
        process.start()
        self._processes[index] = process
        log.info("serving process started", extra={"server_process": index, "pid": process.pid})

    async def start(self) -> None:
        for index in range(1, self._settings.server_processes):
            await asyncio.to_thread(self._start, index)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes.values() if p.pid is not None]

    async def supervise(self, interval: float = RESTART_DELAY_SECONDS) -> None:
        """Start again any replica that exited while the primary serves on."""
        while not self._stopping:
            await asyncio.sleep(interval)
            for index, process in list(self._processes.items()):
                if not self._stopping and not process.is_alive():
                    log.error(
                        "serving process exited; starting it again",
                        extra={"server_process": index, "pid": process.pid, "exit_code": process.exitcode},
                    )
                    await asyncio.to_thread(self._start, index)

    async def stop(self, grace: float) -> None:
        """SIGTERM every replica (each drains its calls for ``grace`` seconds), then wait for
        them, killing any still there a few seconds after that."""
        self._stopping = True
        for process in self._processes.values():
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for process in self._processes.values():
            await asyncio.to_thread(process.join, grace + 10)
            if process.is_alive():
                log.error("serving process did not stop; killing it", extra={"pid": process.pid})
                process.kill()
                await asyncio.to_thread(process.join, 5)
