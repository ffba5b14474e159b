"""The serving benchmark's CPU notes: each process of a system counts for its role (TorchServe's
front end and workers by command line, the first process by pid, the rest together), the client
apart, and a note gives each role's CPU per unit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu import CLIENT, FRONT_END, MAIN, OTHERS, WORKERS, cpu_by_role, per_unit
from tests.bench.processes import burn, stop_with_children


def burner(seconds: float, *extra: str, executable: str = sys.executable) -> str:
    """Python that starts a process burning ``seconds`` of CPU (``extra`` on its command line)."""
    command = [executable, "-c", burn(seconds), *extra]
    return f"subprocess.Popen({command!r})"


def test_each_process_of_a_system_counts_for_its_role(tmp_path: Path) -> None:
    java = tmp_path / "java"  # a front end named as TorchServe's is
    java.symlink_to(sys.executable)
    parent = "\n".join(
        [
            "import subprocess, time",
            burner(0.3, executable=str(java)),
            burner(0.2, "/site-packages/ts/model_service_worker.py"),
            burner(0.1),
            "time.sleep(60)",
        ]
    )
    system = subprocess.Popen([sys.executable, "-c", parent])
    client = subprocess.Popen([sys.executable, "-c", burn(0.15)])
    try:
        deadline = time.monotonic() + 30
        want = {FRONT_END: 0.3, WORKERS: 0.2, OTHERS: 0.1, CLIENT: 0.15}
        while time.monotonic() < deadline:
            spent = cpu_by_role(system.pid, client.pid)
            if all(spent.get(role, 0.0) >= seconds for role, seconds in want.items()):
                break
            time.sleep(0.1)
        assert all(spent.get(role, 0.0) >= seconds for role, seconds in want.items()), spent
        assert spent[FRONT_END] < 0.3 + 0.25 and spent[OTHERS] < 0.1 + 0.25  # each its own, not added
        assert spent[MAIN] < 0.25  # the parent only started the others
    finally:
        for process in (system, client):
            stop_with_children(process)


def test_a_system_that_is_gone_has_no_cpu() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert cpu_by_role(process.pid) == {}
    assert set(cpu_by_role(None, os.getpid())) == {CLIENT}
    assert set(cpu_by_role(process.pid, os.getpid())) == {CLIENT}  # the client counts without it


def test_a_note_gives_each_roles_cpu_per_unit_in_order() -> None:
    before = {MAIN: 1.0, CLIENT: 2.0, FRONT_END: 0.5}
    after = {MAIN: 1.3, CLIENT: 2.05, FRONT_END: 0.5, WORKERS: 0.6}
    note = per_unit(before, after, 100_000, "series")
    assert note == "CPU µs per series: main process 3.0, TorchServe workers 6.0, client 0.5"
    assert per_unit(before, after, 0, "series") == ""  # nothing answered: nothing to divide by
