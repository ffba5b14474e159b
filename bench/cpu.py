"""CPU time spent by a benchmarked system's processes, by role.

On two cores every process of a system competes with the others and with the load generator, so
a row's throughput says less than where its CPU went: the serving benchmark notes, for each row,
the CPU seconds each role spent per unit served (the load generator's warmup included, as it is
in the CPU times). Roles are told apart by process: TorchServe's Java front end and its Python
workers by their command lines, the system's first process (Quantis' server, MLServer's front
end, TorchServe's launcher) by its pid, and the rest of its processes (Quantis' history process,
MLServer's inference workers) together.
"""

from __future__ import annotations

import contextlib

import psutil

CLIENT = "client"
MAIN = "main process"
OTHERS = "its other processes"
FRONT_END = "TorchServe front end"
WORKERS = "TorchServe workers"
ORDER = (MAIN, OTHERS, FRONT_END, WORKERS, CLIENT)


def _role(process: psutil.Process, root: int) -> str:
    command = process.cmdline()
    if any(part.endswith("model_service_worker.py") for part in command):
        return WORKERS
    if command and command[0].rsplit("/", 1)[-1] == "java":
        return FRONT_END
    return MAIN if process.pid == root else OTHERS


def cpu_by_role(root: int | None, client: int | None = None) -> dict[str, float]:
    """CPU seconds (user and system) spent so far by each role of the living processes under
    ``root`` (itself included), and by the ``client`` process."""
    spent: dict[str, float] = {}
    processes: list[tuple[str, psutil.Process]] = []
    if root is not None:
        with contextlib.suppress(psutil.NoSuchProcess):  # the system is gone: the client still counts
            top = psutil.Process(root)
            processes += [(_role(p, root), p) for p in (top, *top.children(recursive=True))]
    if client is not None:
        with contextlib.suppress(psutil.NoSuchProcess):
            processes.append((CLIENT, psutil.Process(client)))
    for role, process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # gone meanwhile
            times = process.cpu_times()
            spent[role] = spent.get(role, 0.0) + times.user + times.system
    return spent


def per_unit(before: dict[str, float], after: dict[str, float], units: float, unit: str) -> str:
    """What each role spent between ``before`` and ``after``, in µs per ``unit``, for a row's note;
    roles that spent nothing to speak of are left out."""
    if units <= 0:
        return ""
    parts = []
    for role in ORDER:
        micros = (after.get(role, 0.0) - before.get(role, 0.0)) / units * 1e6
        if micros >= 0.05:
            parts.append(f"{role} {micros:,.1f}")
    return f"CPU µs per {unit}: " + ", ".join(parts) if parts else ""
