"""The local runner: training jobs in a pool of worker processes beside the server.

A crashed process fails the one job it was running; a job whose process was taken down
by another's crash, or by the server stopping, is queued again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import queue as queue_module
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing.managers import SyncManager
from typing import Any

from server import cpus
from server.db.database import Database
from server.db.enums import JobState
from server.db.models import TrainingJob
from server.jobs import records
from server.jobs.runner import RunnerBase
from server.jobs.training import WorkerConfig, run_training_job
from server.processes import alive, die_with_parent
from server.state.events import EventBus

log = logging.getLogger("server.jobs")


def _init_worker(threads: int, server: int) -> None:
    die_with_parent()  # with the forkserver, which dies with the ``server`` (forkserver_preload)
    if not alive(server):  # it died before that took hold
        os._exit(1)
    cpus.unpin()  # forked from the forkserver, which started on the event loop's CPU
    import torch

    torch.set_num_threads(threads)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers fork from a forkserver that has imported the training code (torch) once: a
    spawned worker spent seconds importing it before each new pool's first job, after every
    crash. The forkserver is single-threaded, so forking it is as safe as spawning."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["server.jobs.forkserver_preload", "server.jobs.training"])
    return context


def _start_forkserver() -> None:
    """Start the forkserver, if it is not running, from this thread: call it from the event loop's.
    It dies when the thread that started it ends (PR_SET_PDEATHSIG), and a pool or manager
    started in a worker thread (asyncio.to_thread) would start it there."""
    multiprocessing.forkserver.ensure_running()


def _new_pool(
    context: multiprocessing.context.BaseContext, workers: int, threads: int
) -> ProcessPoolExecutor:
    _start_forkserver()
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(threads, os.getpid())
    )


def _start_manager(context: multiprocessing.context.BaseContext) -> SyncManager:
    """The relay's manager process (forked from the forkserver), which dies with it too."""
    manager = SyncManager(ctx=context)
    manager.start(_init_manager)
    return manager


def _init_manager() -> None:
    die_with_parent()
    cpus.unpin()


class LocalJobRunner(RunnerBase):
    """A ProcessPoolExecutor of ``workers`` processes (forked from a forkserver); at most
    ``workers`` jobs are handed to it at once, so a crashed process can be matched to the one
    job it was running."""

    def __init__(
        self, db: Database, bus: EventBus, config: WorkerConfig, stale_seconds: float, workers: int = 1
    ):
        super().__init__(db, bus, config, stale_seconds)
        self._workers = workers
        self._context = _worker_context()
        self._pool: ProcessPoolExecutor | None = None
        self._manager: Any = None
        self._events: Any = None
        self._pending: asyncio.Queue[str] = asyncio.Queue()
        self._running: set[str] = set()
        self._stopping = False

    async def start(self) -> None:
        for _ in range(self._workers):
            self._tasks.append(asyncio.create_task(self._dispatch()))
        await super().start()

    async def _enqueue(self, job_id: str) -> None:
        await self._pending.put(job_id)

    def _skip_stale(self) -> set[str]:
        return set(self._running)

    # -- the pool -------------------------------------------------------------------------
    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = _new_pool(self._context, self._workers, self._config.threads)
        return self._pool

    async def _ensure_relay(self) -> Any:
        if self._config.redis_url:
            return None  # workers publish to Redis themselves
        if self._manager is None:
            _start_forkserver()  # here, not in the thread that starts the manager
            self._manager = await asyncio.to_thread(_start_manager, self._context)
            self._events = self._manager.Queue()
            self._tasks.append(asyncio.create_task(self._relay()))
        return self._events

    async def _relay(self) -> None:
        while True:
            try:
                event = await asyncio.to_thread(self._events.get, True, 0.5)
            except queue_module.Empty:
                continue
            except (EOFError, OSError, BrokenPipeError):
                return
            await self.publish(event)

    def pool_processes(self) -> dict[int, Any]:
        """The pool's live worker processes by pid (for tests and crash reports)."""
        return dict(getattr(self._pool, "_processes", None) or {})

    # -- running one job ----------------------------------------------------------------------
    async def _dispatch(self) -> None:
        while True:
            job_id = await self._pending.get()
            self._running.add(job_id)
            try:
                await self._run(job_id)
            except Exception as exc:
                log.exception("dispatching a training job failed", extra={"job_id": job_id})
                message = f"the job could not be started: {exc}"
                with contextlib.suppress(Exception):
                    await self.fail(job_id, message)
            finally:
                self._running.discard(job_id)

    async def _run(self, job_id: str) -> None:
        events = await self._ensure_relay()
        pool = self._ensure_pool()
        try:
            future = pool.submit(run_training_job, job_id, self._config, events)
        except BrokenProcessPool:
            self._drop_pool(pool)
            pool = self._ensure_pool()
            future = pool.submit(run_training_job, job_id, self._config, events)
        processes = dict(getattr(pool, "_processes", None) or {})
        try:
            await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._drop_pool(pool)
            if not self._stopping:
                await self._crashed(job_id, processes)
        except Exception as exc:
            message = f"the job could not be run: {exc}"
            await self.fail(job_id, message)

    def _drop_pool(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)

    async def _crashed(self, job_id: str, processes: dict[int, Any]) -> None:
        job = await self._db.run(lambda s: s.get(TrainingJob, job_id))
        if job is None or job.state is not JobState.RUNNING:
            if job is not None and job.state is JobState.QUEUED:
                await self._enqueue(job_id)  # never reached a worker: try again
            return
        pid = int(job.worker.rsplit(":", 1)[-1]) if job.worker.rsplit(":", 1)[-1].isdigit() else 0
        process = processes.get(pid)
        if process is None:
            # Another job's process died and took the pool down: this one starts over.
            message = "queued again: the worker pool restarted"
            await self.announce(await self._db.run(partial(records.requeue, job_id=job_id, message=message)))
            await self._enqueue(job_id)
            return
        await asyncio.to_thread(process.join, 2.0)
        code = process.exitcode
        if code is not None and code < 0:
            message = f"worker process {pid} exited with signal {-code}"
        elif code is not None:
            message = f"worker process {pid} exited with status {code}"
        else:
            message = f"worker process {pid} stopped unexpectedly"
        await self.fail(job_id, message)

    async def stop(self) -> None:
        self._stopping = True
        running = set(self._running)
        processes = self.pool_processes()
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in processes.values():
                with contextlib.suppress(Exception):
                    process.terminate()
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
        await super().stop()

        def requeue(session: Any) -> list[dict[str, Any] | None]:
            return [
                records.requeue(session, job_id, "queued again: the server stopped") for job_id in running
            ]

        for change in await self._db.run(requeue) if running else ():
            await self.announce(change)
        if self._manager is not None:
            await asyncio.to_thread(self._manager.shutdown)
            self._manager = None
