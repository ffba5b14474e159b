"""A serving process's Python threads on one CPU (``QUANTIS_PIN_INTERPRETER``).

One thread runs Python at a time: it holds the interpreter lock. Under load the event loop's
thread hands the lock to gRPC's poller thread (a Python thread) for every completion of every
call, to the thread pool behind ``asyncio.to_thread`` for every database session and every
batch of history it sends, and a forward pass run on the loop lets go of it at every torch
call. When the threads taking turns run on different CPUs, each handoff wakes a thread on the
other CPU, and the threads pay for it in their own CPU time: on the 2-core development machine
a forward pass of 26 series took 0.8 ms of CPU alone, 3.5 ms beside a thread that wanted the
lock from the other CPU, and 0.86 ms with that thread on the same CPU (docs/serving-performance.md).

So ``quantis serve`` puts its event loop's thread on one CPU (``pin``: serving process ``index``
on the ``index``-th of the CPUs it was started with) before it starts anything, and the threads
it starts begin there too. What works without the lock goes back to every CPU, so that it runs
beside the event loop instead of taking turns with it: gRPC's own threads, which are not
Python's (``release_native_threads``, once the gRPC server has started them), the inference
threads, whose passes run torch with the lock let go, password hashing (``unpinned``), and the
processes the server starts: the history process, the inference and training workers and
TorchServe (``unpin`` first thing, or started ``unpinned``); the forkserver the training
workers fork from and multiprocessing's resource tracker only start and watch processes, and
stay. The CPUs to go back to are kept in the environment (``CPUS_VARIABLE``), which the server's
child processes inherit.

Where the platform has no CPU affinity (it is Linux's) or the process has one CPU, nothing
changes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

CPUS_VARIABLE = "QUANTIS_PROCESS_CPUS"
"""The CPUs the serving process was started with, comma-separated; set by ``pin``."""

_TASKS = "/proc/self/task"  # one entry per thread of this process, named by its thread id


def _supported() -> bool:
    return hasattr(os, "sched_setaffinity") and os.path.isdir(_TASKS)


def started_with() -> set[int]:
    """The CPUs the serving process was started with (this process's own before ``pin``)."""
    listed = os.environ.get(CPUS_VARIABLE, "")
    if listed:
        return {int(cpu) for cpu in listed.split(",")}
    return set(os.sched_getaffinity(0)) if _supported() else set()


def pin(index: int = 0) -> int | None:
    """Put the calling thread on one CPU, the ``index``-th (modulo) of those the serving process
    was started with; the threads and processes it starts from now on start there. Returns the
    CPU, or None where nothing was pinned."""
    cpus = sorted(started_with())
    if not _supported() or len(cpus) < 2:
        return None
    os.environ[CPUS_VARIABLE] = ",".join(map(str, cpus))
    cpu = cpus[index % len(cpus)]
    os.sched_setaffinity(0, {cpu})
    return cpu


def _everywhere() -> set[int] | None:
    """The CPUs to go back to, where ``pin`` has pinned this serving process or the one that
    started this process; None where nothing was pinned."""
    return started_with() if CPUS_VARIABLE in os.environ and _supported() else None


def unpin() -> None:
    """Put the calling thread back on every CPU the serving process was started with, and with
    it the threads and processes it starts: a pool thread's or a child process's first call."""
    if (everywhere := _everywhere()) is not None:
        os.sched_setaffinity(0, everywhere)


@contextlib.contextmanager
def unpinned() -> Iterator[None]:
    """The calling thread on every CPU while inside, then back where it was: for work that lets
    go of the interpreter lock for long (hashing a password), or for starting a process."""
    everywhere = _everywhere()
    if everywhere is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, everywhere)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def release_native_threads() -> int:
    """Put this process's threads that are not Python threads (gRPC's, torch's) back on every CPU
    the serving process was started with; the number of threads moved."""
    everywhere = _everywhere()
    if everywhere is None:
        return 0
    python = {thread.native_id for thread in threading.enumerate()}
    moved = 0
    for task in os.listdir(_TASKS):
        if int(task) in python:
            continue
        try:
            os.sched_setaffinity(int(task), everywhere)
        except OSError:  # it ended meanwhile
            continue
        moved += 1
    return moved
