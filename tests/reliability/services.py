"""Private PostgreSQL and Redis servers that a fault test may stop and start.

Other tests use the shared PostgreSQL and Redis at the same time, so a test that takes
a service down takes down its own: a PostgreSQL cluster made with initdb in a temporary
directory, or a redis-server, each on a free port, owned by this process.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from model_store.torchserve_config import free_port
from tests.conftest import IN_CI

POSTGRES_BIN = Path("/usr/lib/postgresql")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}, and CI=true forbids skipping", pytrace=False)
    pytest.skip(reason)


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(POSTGRES_BIN.glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster; as root it runs as the ``postgres`` user (initdb refuses root)."""

    def __init__(self) -> None:
        bin_dir = _postgres_bin()
        if bin_dir is None:
            _unavailable("PostgreSQL's initdb/pg_ctl are not installed")
        assert bin_dir is not None
        self._bin = bin_dir
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="quantis-pg-"))
        self._user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            shutil.chown(self.home, self._user)
        self._pg(["initdb", "-D", str(self.home / "data"), "-U", "postgres", "-A", "trust"])
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, argv: list[str]) -> None:
        command = [str(self._bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, timeout=120)
        if done.returncode != 0:  # say why: the cluster's directory, its log included, goes with the test
            log = self.home / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{argv[0]} {argv[-1]} failed ({done.returncode}): {done.stderr.decode(errors='replace')}"
                f"\nserver log:\n{tail}"
            )

    def start(self) -> None:
        """Start the cluster; once more after a failed start (on a loaded machine a restart has
        failed once in many runs, the reason lost with the cluster: the second failure says it)."""
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        argv = [
            "pg_ctl",
            "-D",
            str(self.home / "data"),
            "-w",
            "-o",
            options,
            "-l",
            str(self.home / "log"),
            "start",
        ]
        try:
            self._pg(argv)
        except RuntimeError as failed:
            print(f"PostgreSQL did not start, trying again: {failed}", file=sys.stderr)
            time.sleep(2)
            self._pg(argv)

    def stop(self, mode: str = "fast") -> None:
        self._pg(["pg_ctl", "-D", str(self.home / "data"), "-w", "-m", mode, "stop"])

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


class PrivateRedis:
    """A redis-server of this test alone, without persistence, on a free port."""

    def __init__(self) -> None:
        self._binary = shutil.which("redis-server")
        if self._binary is None:
            _unavailable("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self._binary is not None
        self._process = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)
