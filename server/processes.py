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
one that dies: at once if it had served a while, else after a delay that doubles from
``RESTART_DELAY_SECONDS`` up to ``MAX_RESTART_DELAY_SECONDS`` while it keeps dying within
``QUICK_EXIT_SECONDS`` of its start. A replica that cannot listen (CannotListen: its metrics
port is taken) is not started again: the primary stops them all and exits with its message.
Each process serves its own metrics on ``metrics_port + index``. A replica ends when the primary
stops it (SIGTERM, which drains its calls like the primary's own) or when the primary is gone.

The primary claims its address for the group (``claim_address``): a second multi-process server
on the same host and port would otherwise join it through SO_REUSEPORT and take a share of its
connections. And every process a serving process starts dies with it (``die_with_parent``), even
when it is killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from server.errors import CannotListen
from server.settings import Settings

log = logging.getLogger("server.processes")

RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
QUICK_EXIT_SECONDS = 10.0  # a process that dies this soon after its start is restarted more slowly
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Have the kernel send this process ``sig`` when its parent dies, however it dies (Linux;
    elsewhere nothing). The parent is the immediate one, and the signal comes when the *thread*
    that started this process ends: start such processes from a thread that lives as long as
    their parent (the main thread)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ReplicaCannotListen(CannotListen):
    """A serving process's CannotListen, as the primary raises it again: the same message."""

    def __init__(self, message: str):
        Exception.__init__(self, message)


def claim_address(host: str, port: int) -> socket.socket | None:
    """Claim ``host:port`` for this group of serving processes, for as long as the returned socket
    is open: an abstract Unix socket named after the port (Linux; elsewhere, and for port 0,
    nothing). Its processes bind the port with SO_REUSEPORT, which would let a second group join
    it, and from any host that overlaps ``host`` (``0.0.0.0``, ``localhost``, ``127.0.0.1``), so the
    claim is the port's alone."""
    if not sys.platform.startswith("linux") or port == 0:
        return None
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0quantis-serve-port-{port}")
    except OSError as error:
        claim.close()
        chosen_by = "QUANTIS_HOST, QUANTIS_PORT, or serve's --host, --port"
        raise CannotListen(
            "serve gRPC", f"{host}:{port}", chosen_by, "another Quantis server already serves it"
        ) from error
    return claim


def metrics_port(settings: Settings, index: int) -> int:
    """Where process ``index`` serves its metrics: 0 (a free port) and -1 (none) as given."""
    return settings.metrics_port + index if settings.metrics_port > 0 else settings.metrics_port


def _replica_main(settings: Settings, index: int, primary: int, report: Connection) -> None:
    from server.app import run  # not at the top: server.app imports this module

    try:
        run(settings, index=index, primary=primary)
    except CannotListen as error:  # for the primary to stop on, not to start this one again
        report.send(str(error))
        raise SystemExit(1) from None


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
        self._reports: dict[int, Connection] = {}
        self._started: dict[int, float] = {}
        self._delays: dict[int, float] = {}
        self._stopping = False

    def _start(self, index: int) -> None:
        reader, writer = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_replica_main,
            args=(self._settings, index, os.getpid(), writer),
            name=f"quantis-serve-{index}",
        )
        process.start()
        writer.close()
        if (previous := self._reports.get(index)) is not None:
            previous.close()
        self._processes[index], self._reports[index] = process, reader
        self._started[index] = time.monotonic()
        log.info("serving process started", extra={"server_process": index, "pid": process.pid})

    async def start(self) -> None:
        for index in range(1, self._settings.server_processes):
            await asyncio.to_thread(self._start, index)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes.values() if p.pid is not None]

    def _cannot_listen(self, index: int) -> str | None:
        """The CannotListen message an exited replica reported, if it did."""
        report = self._reports[index]
        try:
            return str(report.recv()) if report.poll() else None
        except (EOFError, OSError):
            return None

    def _restart_delay(self, index: int) -> float:
        """No delay for a process that served a while; doubling ones while it keeps dying soon."""
        if time.monotonic() - self._started[index] >= QUICK_EXIT_SECONDS:
            self._delays[index] = 0.0
        else:
            previous = self._delays.get(index, 0.0)
            self._delays[index] = min(max(previous * 2, RESTART_DELAY_SECONDS), MAX_RESTART_DELAY_SECONDS)
        return self._delays[index]

    async def supervise(self, interval: float = RESTART_DELAY_SECONDS) -> None:
        """Start again any replica that exited while the primary serves on; raise the CannotListen
        of one that could not listen (starting it again would fail the same way)."""
        restarts: dict[int, float] = {}  # index: when to start it again
        while not self._stopping:
            await asyncio.sleep(interval)
            for index, process in list(self._processes.items()):
                if self._stopping or index in restarts or process.is_alive():
                    continue
                if (message := self._cannot_listen(index)) is not None:
                    log.error(
                        "serving process cannot listen; stopping",
                        extra={"server_process": index, "pid": process.pid, "error": message},
                    )
                    raise ReplicaCannotListen(message)
                delay = self._restart_delay(index)
                log.error(
                    "serving process exited; starting it again",
                    extra={
                        "server_process": index,
                        "pid": process.pid,
                        "exit_code": process.exitcode,
                        "restart_in_seconds": delay,
                    },
                )
                restarts[index] = time.monotonic() + delay
            for index, when in list(restarts.items()):
                if not self._stopping and time.monotonic() >= when:
                    del restarts[index]
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
        for report in self._reports.values():
            report.close()
        self._reports.clear()
