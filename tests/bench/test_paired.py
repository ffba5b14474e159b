"""The paired benchmark reads a server's CPU from its whole process tree (the history writer
is a child process of the server)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from bench.paired import main_thread_cpu, process_tree_cpu
from tests.bench.processes import burn, stop_with_children

# A child that burns half a second of CPU and then sleeps, and a parent that only waits for it.
CHILD = burn(0.5)
PARENT = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {CHILD!r}]).wait()"


def test_the_cpu_of_a_process_tree_includes_its_children() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT])
    try:
        deadline = time.monotonic() + 30
        while process_tree_cpu(parent.pid) < 0.5 + 0.02 and time.monotonic() < deadline:
            time.sleep(0.1)
        total = process_tree_cpu(parent.pid)
        times = psutil.Process(parent.pid).cpu_times()
        own = times.user + times.system
        assert total >= 0.5  # the child's half second, and the interpreters' start-up
        assert own < 0.3  # the parent itself only started its child
    finally:
        stop_with_children(parent)


def test_a_process_that_is_gone_has_no_cpu() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert process_tree_cpu(process.pid) == 0.0


# A process whose second thread burns half a second of CPU while its main thread only waits.
THREADED = (
    "import threading, time\n"
    "def spin():\n"
    "    end = time.thread_time() + 0.5\n"
    "    while time.thread_time() < end: pass\n"
    "threading.Thread(target=spin).start()\n"
    "time.sleep(60)"
)


def test_the_main_threads_cpu_leaves_out_the_other_threads() -> None:
    process = subprocess.Popen([sys.executable, "-c", THREADED])
    try:
        deadline = time.monotonic() + 30
        while process_tree_cpu(process.pid) < 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert process_tree_cpu(process.pid) >= 0.5  # the spinning thread's half second counts there
        assert main_thread_cpu(process.pid) < 0.3  # the main thread only started it and slept
    finally:
        stop_with_children(process)
    assert main_thread_cpu(process.pid) == 0.0  # gone
