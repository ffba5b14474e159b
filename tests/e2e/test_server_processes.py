"""`quantis serve` with QUANTIS_SERVER_PROCESSES=2: two serving processes on one port, sharing
their state through Redis, the second kept running by the first."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families
from quantis.v1 import auth_service_pb2 as auth_pb
from quantis.v1 import auth_service_pb2_grpc as auth_grpc

from model_store.torchserve_config import free_port
from tests.conftest import REDIS_URL, require_service
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USERNAME, WITH_ADMIN, ServerProcess, launch

pytestmark = pytest.mark.e2e

CHANNELS = 16  # connections: the kernel puts each on one of the two processes


def _log_entries(server: ServerProcess, message: str) -> list[dict[str, object]]:
    return [line for line in server.log_lines if line.get("message") == message]


def _wait_for(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _calls_served(metrics_port: int, method: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "grpc_server_started_total" and sample.labels.get("grpc_method") == method
    )


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, int, int]]:
    """The server, its gRPC port and its first metrics port (the second process serves on the
    next). One server for the module: the tests run in order, the last one stops it."""
    require_service("Redis", REDIS_URL)
    tmp_path = tmp_path_factory.mktemp("processes")
    port, metrics = free_port(), free_port(run=2)
    settings = {
        **WITH_ADMIN,
        "QUANTIS_SERVER_PROCESSES": "2",
        "QUANTIS_PORT": str(port),
        "QUANTIS_METRICS_PORT": str(metrics),
        "QUANTIS_REDIS_URL": REDIS_URL,
        "QUANTIS_REDIS_KEY_PREFIX": f"quantis-test-{uuid.uuid4().hex}:",
    }
    with launch(tmp_path, settings) as server:
        _wait_for(lambda: len(_log_entries(server, "serving")) == 2, "the second process to serve")
        yield server, port, metrics


def _channels(port: int) -> list[grpc.Channel]:
    # A subchannel pool of its own per channel: each is a connection of its own.
    options = [("grpc.use_local_subchannel_pool", 1)]
    return [grpc.insecure_channel(f"127.0.0.1:{port}", options=options) for _ in range(CHANNELS)]


def test_both_processes_answer_and_a_logout_reaches_both(
    two_processes: tuple[ServerProcess, int, int],
) -> None:
    _, port, metrics = two_processes
    channels = _channels(port)
    try:
        login = auth_grpc.AuthServiceStub(channels[0]).Login(
            auth_pb.LoginRequest(username=ADMIN_USERNAME, password=ADMIN_PASSWORD), timeout=30
        )
        bearer = (("authorization", f"Bearer {login.tokens.access_token}"),)
        for channel in channels:
            me = auth_grpc.AuthServiceStub(channel).GetCurrentUser(
                auth_pb.GetCurrentUserRequest(), metadata=bearer, timeout=30
            )
            assert me.user.username == ADMIN_USERNAME
        served = [_calls_served(metrics + index, "GetCurrentUser") for index in (0, 1)]
        assert sum(served) == CHANNELS
        assert all(count > 0 for count in served), f"calls per process: {served}"

        auth_grpc.AuthServiceStub(channels[-1]).Logout(auth_pb.LogoutRequest(), metadata=bearer, timeout=30)
        for channel in channels:  # whichever process holds the connection knows of the revocation
            with pytest.raises(grpc.RpcError) as refused:
                auth_grpc.AuthServiceStub(channel).GetCurrentUser(
                    auth_pb.GetCurrentUserRequest(), metadata=bearer, timeout=30
                )
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        for channel in channels:
            channel.close()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to put the processes on")
def test_each_process_keeps_its_python_threads_on_a_cpu_of_its_own(
    two_processes: tuple[ServerProcess, int, int],
) -> None:
    server, _, _ = two_processes
    cpus = sorted(os.sched_getaffinity(0))  # the servers were started with this test's CPUs
    on = {line["server_process"]: line["cpu"] for line in _log_entries(server, "serving")}
    assert on == {0: cpus[0], 1: cpus[1]}
    [started] = _log_entries(server, "serving process started")
    pids = {0: server.process.pid, 1: int(started["pid"])}  # type: ignore[call-overload]
    for index, pid in pids.items():
        assert sorted(os.sched_getaffinity(pid)) == [cpus[index]]  # its event loop's thread
        tasks = Path(f"/proc/{pid}/task")
        grpc_threads = [t for t in tasks.iterdir() if (t / "comm").read_text().strip() == "event_engine"]
        assert grpc_threads, "gRPC's I/O threads are named event_engine"
        for thread in grpc_threads:  # not Python threads: on every CPU
            assert sorted(os.sched_getaffinity(int(thread.name))) == cpus


def test_a_killed_process_is_started_again_and_sigterm_stops_both(
    two_processes: tuple[ServerProcess, int, int],
) -> None:
    server, _, metrics = two_processes
    [started] = _log_entries(server, "serving process started")  # the test above left it running
    replica = int(started["pid"])  # type: ignore[call-overload]
    os.kill(replica, 9)
    _wait_for(lambda: len(_log_entries(server, "serving")) == 3, "the replacement to serve")
    restarted = _log_entries(server, "serving process started")[-1]
    assert restarted["pid"] != replica
    assert _log_entries(server, "serving process exited; starting it again")
    _calls_served(metrics + 1, "GetCurrentUser")  # the replacement serves its metrics again

    assert server.stop() == 0
    replacement = int(restarted["pid"])  # type: ignore[call-overload]
    with pytest.raises(ProcessLookupError):
        os.kill(replacement, 0)
    stopped = [line.get("server_process") for line in _log_entries(server, "stopped")]
    assert sorted(stopped) == [0, 1]  # type: ignore[type-var]


def test_serve_refuses_several_processes_without_shared_state(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
        "QUANTIS_DATA_DIR": str(tmp_path),
        "QUANTIS_SERVER_PROCESSES": "2",
    }
    done = subprocess.run(
        [sys.executable, "-m", "server", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "QUANTIS_SERVER_PROCESSES above 1 needs QUANTIS_REDIS_URL" in done.stderr
    assert "Traceback" not in done.stderr
