"""server.cpus: the serving process's Python threads on one CPU, what works without the
interpreter lock on all of them. Each test runs in a process of its own, as ``quantis serve``
does: pinning moves the calling thread and what it starts, which in the test process would be
every later test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.cpus import CPUS_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []

# What a serving process does, in order: pin the event loop's thread, start threads, a gRPC
# server (its poller is a Python thread, its I/O threads are not) and a child process.
PROCESS = """
import asyncio, json, os, subprocess, sys, threading, time
import grpc
from server import cpus

def affinity(thread_id=0):
    return sorted(os.sched_getaffinity(thread_id))

def threads(python):
    named = {thread.native_id for thread in threading.enumerate()}
    return sorted({tuple(affinity(int(task))) for task in os.listdir("/proc/self/task")
                   if (int(task) in named) == python})

if sys.argv[2] == "one-cpu":
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
report = {"cpu": cpus.pin(int(sys.argv[1])), "main": affinity(),
          "variable": os.environ.get(cpus.CPUS_VARIABLE)}

def in_a_thread():
    report["thread started"] = affinity()
    with cpus.unpinned():
        report["thread unpinned"] = affinity()
    report["thread after"] = affinity()
    cpus.unpin()
    report["thread unpin"] = affinity()

thread = threading.Thread(target=in_a_thread)
thread.start()
thread.join()
# join returns before the OS thread is gone; until then /proc lists it, unpinned, among the
# threads that are not Python's.
for _ in range(500):
    if not os.path.exists(f"/proc/self/task/{thread.native_id}"):
        break
    time.sleep(0.01)

async def serve():
    server = grpc.aio.server()
    server.add_insecure_port("127.0.0.1:0")
    await server.start()
    report["native before"] = threads(python=False)
    report["moved"] = cpus.release_native_threads()
    report["native after"] = threads(python=False)
    report["python"] = threads(python=True)
    await server.stop(0)

asyncio.run(serve())
child = "import os, json; from server import cpus; a = sorted(os.sched_getaffinity(0)); cpus.unpin(); "
child += "print(json.dumps([a, sorted(os.sched_getaffinity(0))]))"
report["child"], report["child unpin"] = json.loads(subprocess.run(
    [sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout)
print(json.dumps(report))
"""


def serving_process(index: int, cpus: str = "all") -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if key != CPUS_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-c", PROCESS, str(index), cpus],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


needs_two_cpus = pytest.mark.skipif(
    len(CPUS) < 2, reason="pinning needs a process allowed on two CPUs or more (Linux affinity)"
)


@needs_two_cpus
def test_the_event_loops_thread_and_the_python_threads_it_starts_share_one_cpu() -> None:
    report = serving_process(index=1)
    cpu = CPUS[1]
    assert report["cpu"] == cpu
    assert report["main"] == [cpu]
    assert report["variable"] == ",".join(map(str, CPUS))  # what the others go back to
    assert report["thread started"] == [cpu]
    # gRPC's poller, a Python thread the server starts, stays with the event loop
    assert report["python"] == [[cpu]]


@needs_two_cpus
def test_what_works_without_the_interpreter_lock_goes_back_to_every_cpu() -> None:
    report = serving_process(index=0)
    cpu = CPUS[0]
    assert report["thread unpinned"] == CPUS
    assert report["thread after"] == [cpu]  # back where it was after the stretch
    assert report["thread unpin"] == CPUS
    # gRPC's I/O threads started on the pinned CPU, and were sent back
    assert report["native before"] == [[cpu]]
    assert report["moved"] >= 1
    assert report["native after"] == [CPUS]
    # a child process starts on its parent's CPU; unpin gives it all the server was started with
    assert report["child"] == [cpu]
    assert report["child unpin"] == CPUS


@needs_two_cpus
def test_the_index_picks_the_cpu_modulo_their_number() -> None:
    assert serving_process(index=len(CPUS) + 1)["cpu"] == CPUS[1]


@pytest.mark.skipif(not CPUS, reason="no CPU affinity on this platform (Linux's)")
def test_a_process_on_one_cpu_is_left_as_it_is() -> None:
    report = serving_process(index=0, cpus="one-cpu")
    only = [CPUS[0]]
    assert report["cpu"] is None
    assert report["variable"] is None
    assert report["main"] == only
    assert report["thread unpinned"] == only
    assert report["moved"] == 0
    assert report["child unpin"] == only
