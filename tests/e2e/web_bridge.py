"""`quantis web` as a real process in front of a test's server, restartable on the same address
so that a page already open can find it again (as it finds a bridge or Envoy that an operator
restarted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WebBridge:
    """One `quantis web` process at a time, forwarding to ``target``."""

    def __init__(self, target: str, data_dir: Path):
        self._env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("QUANTIS_")},
            "QUANTIS_DATA_DIR": str(data_dir),
            "QUANTIS_LOG_JSON": "true",
            # Streams in flight are cut at once on SIGTERM (ending UNAVAILABLE, as after the
            # grace period) rather than after the default ten seconds: a restart takes a moment.
            "QUANTIS_SHUTDOWN_GRACE_SECONDS": "0",
        }
        self._target = target
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self.address = "127.0.0.1:0"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> None:
        """Listens on the address it had before (a free port the first time)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "web", "--listen", self.address, "--target", self._target],
            env=self._env,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        address, seen = "", []
        deadline = time.monotonic() + 60
        while not address and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("{") and json.loads(line).get("message") == "web serving":
                address = str(json.loads(line)["address"])
        if not address:
            process.kill()
            process.wait()
            process.stderr.close()
            raise AssertionError(f"quantis web did not start: {''.join(seen)[-2000:]}")
        # Keep draining the log so the bridge never blocks on a full pipe; the pipe closes with it.
        self._drain = threading.Thread(target=process.stderr.read, daemon=True)
        self._drain.start()
        self._process = process
        self.address = address

    def stop(self) -> None:
        """SIGTERM, which must end the bridge cleanly even with streams open."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stderr is not None
        process.terminate()
        try:
            assert process.wait(timeout=30) == 0, "quantis web did not stop cleanly on SIGTERM"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if self._drain is not None:
                self._drain.join(10)
                if not self._drain.is_alive():
                    process.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def web_bridge(target: str, data_dir: Path) -> Iterator[WebBridge]:
    """A started bridge, stopped on leaving."""
    bridge = WebBridge(target, data_dir)
    try:
        bridge.start()
        yield bridge
    finally:
        bridge.stop()
