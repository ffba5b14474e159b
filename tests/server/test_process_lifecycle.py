"""What a serving process starts dies with it, and a multi-process server (QUANTIS_SERVER_PROCESSES)
stops on a process that cannot listen, backs off a process that keeps dying, and keeps its port
to itself (server.processes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from model_store.torchserve_config import free_port
from server.errors import CannotListen
from server.processes import MAX_RESTART_DELAY_SECONDS, QUICK_EXIT_SECONDS, Replicas, claim_address
from server.settings import Settings
from tests.conftest import REDIS_URL, require_service

ROOT = Path(__file__).resolve().parents[2]

# The training pool as LocalJobRunner builds it (forkserver, workers, the events relay's manager),
# in a process that then waits to be killed.
POOL = textwrap.dedent(
    """
    import os, time
    from server.jobs.local_runner import _new_pool, _start_manager, _worker_context
    context = _worker_context()
    pool = _new_pool(context, 1, 1)
    pool.submit(os.getpid).result()
    manager = _start_manager(context)
    print("ready", flush=True)
    time.sleep(120)
    """
)


def _gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.slow
def test_the_training_pool_dies_with_a_killed_serving_process() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    tree: list[psutil.Process] = []
    try:
        assert parent.stdout is not None and parent.stdout.readline() == "ready\n"
        tree = psutil.Process(parent.pid).children(recursive=True)
        commands = [" ".join(process.cmdline()) for process in tree]
        # the forkserver, a worker and the manager
        assert sum("forkserver" in command for command in commands) >= 3, commands
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while not all(_gone(process) for process in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [f"{process.pid} {process.cmdline()}" for process in tree if not _gone(process)]
        assert not left, f"outlived the killed serving process: {left}"
    finally:
        for process in [psutil.Process(parent.pid), *tree] if parent.poll() is None else tree:
            if not _gone(process):
                process.kill()
        parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()


def test_a_process_that_keeps_dying_is_restarted_ever_more_slowly() -> None:
    replicas = Replicas(Settings(redis_url="redis://127.0.0.1:9/0", server_processes=2, port=1))
    replicas._started[1] = time.monotonic()
    delays = [replicas._restart_delay(1) for _ in range(7)]
    assert delays == [1, 2, 4, 8, 16, MAX_RESTART_DELAY_SECONDS, MAX_RESTART_DELAY_SECONDS]
    replicas._started[1] = time.monotonic() - QUICK_EXIT_SECONDS  # this time it had served a while
    assert replicas._restart_delay(1) == 0
    replicas._started[1] = time.monotonic()
    assert replicas._restart_delay(1) == 1


@pytest.fixture
def two_processes(tmp_path: Path) -> dict[str, str]:
    """The environment of a `quantis serve` of two processes on a free port, without metrics."""
    require_service("Redis", REDIS_URL)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "QUANTIS_DATA_DIR": str(tmp_path / "data"),
        "QUANTIS_DEMO_MODEL": "false",
        "QUANTIS_LOG_LEVEL": "WARNING",
        "QUANTIS_SERVER_PROCESSES": "2",
        "QUANTIS_PORT": str(free_port()),
        "QUANTIS_METRICS_PORT": "-1",
        "QUANTIS_REDIS_URL": REDIS_URL,
        "QUANTIS_REDIS_KEY_PREFIX": f"quantis-test-{uuid.uuid4().hex}:",
    }


@pytest.fixture
def server_processes() -> Iterator[list[subprocess.Popen[str]]]:
    """`quantis serve` processes a test starts: any still running at its end are stopped."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for server in started:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)
        if server.stderr is not None:
            server.stderr.close()


def _serve(env: dict[str, str], started: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    started.append(server)
    return server


def _fails_with(server: subprocess.Popen[str], message: str, timeout: float = 90) -> None:
    try:
        _, stderr = server.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s; it should have exited with: {message}")
    assert server.returncode == 1, stderr
    assert stderr.splitlines()[-1] == message, stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_a_serving_process_that_cannot_listen_stops_the_server(
    two_processes: dict[str, str], server_processes: list[subprocess.Popen[str]]
) -> None:
    metrics = free_port(run=2)
    with socket.socket() as holder:  # the second process's metrics port
        holder.bind(("127.0.0.1", metrics + 1))
        holder.listen()
        server = _serve({**two_processes, "QUANTIS_METRICS_PORT": str(metrics)}, server_processes)
        _fails_with(
            server,
            f"quantis: cannot serve metrics on 127.0.0.1:{metrics + 1} (QUANTIS_METRICS_PORT; -1 for none): "
            "address already in use",
        )


@pytest.mark.slow
def test_a_second_server_of_several_processes_is_refused_the_port(
    two_processes: dict[str, str], server_processes: list[subprocess.Popen[str]]
) -> None:
    port = int(two_processes["QUANTIS_PORT"])
    first = _serve(two_processes, server_processes)
    deadline = time.monotonic() + 90
    while first.poll() is None and time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    assert first.poll() is None, first.communicate()[1]

    second = _serve(two_processes, server_processes)
    _fails_with(
        second,
        f"quantis: cannot serve gRPC on 127.0.0.1:{port} (QUANTIS_HOST, QUANTIS_PORT, or serve's --host, "
        "--port): another Quantis server already serves it",
        timeout=60,
    )
    assert first.poll() is None  # the first serves on


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the claim is an abstract Unix socket")
def test_a_port_claimed_on_one_host_is_claimed_on_every_host() -> None:
    """0.0.0.0, localhost and 127.0.0.1 overlap: a group on one of them and a second group on
    another would share the port's connections through SO_REUSEPORT."""
    port = free_port()
    claim = claim_address("127.0.0.1", port)
    try:
        for host in ("0.0.0.0", "localhost", "127.0.0.1"):
            with pytest.raises(CannotListen, match=f"{host}:{port}"):
                claim_address(host, port)
    finally:
        assert claim is not None
        claim.close()
    again = claim_address("0.0.0.0", port)  # free once the first group has stopped
    assert again is not None
    again.close()
