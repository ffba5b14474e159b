"""A real TorchServe: register the .mar, send a packed request, compare with in-process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from model_store.archive import build_mar
from model_store.packing import PackedRequest, decode_response, encode_request
from training.artifacts import load_artifact
from training.panel import Panel

pytestmark = pytest.mark.torchserve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(url: str, method: str = "GET", body: bytes | None = None, timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/octet-stream")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


@pytest.fixture
def torchserve(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    if shutil.which("java") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("java is missing and CI=true forbids skipping", pytrace=False)
        pytest.skip("java is missing (TorchServe needs Java 17)")
    ports = [_free_port() for _ in range(3)]
    store = tmp_path / "store"
    store.mkdir()
    config = tmp_path / "config.properties"
    config.write_text(
        f"inference_address=http://127.0.0.1:{ports[0]}\n"
        f"management_address=http://127.0.0.1:{ports[1]}\n"
        f"metrics_address=http://127.0.0.1:{ports[2]}\n"
        "disable_token_authorization=true\nenable_model_api=true\n"
        "default_workers_per_model=1\ninstall_py_dep_per_model=false\n"
    )
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")}
    command = [
        str(Path(venv_bin) / "torchserve"),
        "--start",
        "--foreground",
        "--ncs",
        "--model-store",
        str(store),
        "--ts-config",
        str(config),
    ]
    log = (tmp_path / "torchserve.log").open("wb")
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    inference, management = f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if _call(f"{inference}/ping", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"TorchServe did not start:\n{(tmp_path / 'torchserve.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield inference, management, store
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_torchserve_forecasts_equal_in_process(
    torchserve: tuple[str, str, Path], artifact_dir: Path, air: Panel
) -> None:
    inference, management, store = torchserve
    mar = build_mar(artifact_dir, store, "air_lstm")
    status, body = _call(
        f"{management}/models?url={mar.name}&initial_workers=1&synchronous=true", method="POST", timeout=120
    )
    assert status == 200, body.decode(errors="replace")

    values, _ = air.packed()
    request = PackedRequest(
        np.concatenate([values, values[:60], values[-30:]]),
        np.array([values.size, 60, 30], np.int32),
        12,
        (0.1, 0.25, 0.5, 0.9),
    )
    status, body = _call(f"{inference}/predictions/air_lstm", "POST", encode_request(request))
    assert status == 200, body.decode(errors="replace")
    point, q = decode_response(body)
    expected_point, expected_q = load_artifact(artifact_dir).predict_packed(
        request.values, request.lengths, request.horizon, request.quantiles
    )
    assert point.shape == (3, 12) and q.shape == (3, 12, 4)
    np.testing.assert_allclose(point, expected_point, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(q, expected_q, rtol=1e-6, atol=1e-6)

    bad = PackedRequest(request.values, request.lengths, 99, (0.5,))
    status, body = _call(f"{inference}/predictions/air_lstm", "POST", encode_request(bad))
    assert status == 400 and b"horizon" in body
    assert json.loads(_call(f"{management}/models")[1])["models"][0]["modelName"] == "air_lstm"
