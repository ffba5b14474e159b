"""Processes that burn a known amount of CPU, for the tests of the benchmark's CPU readings."""

from __future__ import annotations

import subprocess


def burn(seconds: float) -> str:
    """Python code that spends ``seconds`` of CPU, then sleeps (so its CPU time stays readable)."""
    return (
        f"import time\nend = time.process_time() + {seconds}\n"
        "while time.process_time() < end: pass\ntime.sleep(60)"
    )


def stop_with_children(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and the processes it started."""
    subprocess.run(["pkill", "-P", str(process.pid)], check=False)
    process.kill()
    process.wait()
