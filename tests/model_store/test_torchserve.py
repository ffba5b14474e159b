"""A real TorchServe: register the .mar, send a packed request, compare with in-process."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from model_store.archive import build_mar
from model_store.packing import PackedRequest, decode_response, encode_request
from model_store.torchserve import TorchServeProcess, TorchServeUnavailable, http_call
from model_store.torchserve_config import free_port
from tests.conftest import start_torchserve
from training.artifacts import load_artifact
from training.panel import Panel

pytestmark = pytest.mark.torchserve


@pytest.fixture
def torchserve(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    process = TorchServeProcess(tmp_path)
    start_torchserve(process)
    try:
        yield process.inference_url, process.management_url, process.model_store
    finally:
        process.stop()


def test_torchserve_forecasts_equal_in_process(
    torchserve: tuple[str, str, Path], artifact_dir: Path, air: Panel, tmp_path: Path
) -> None:
    inference, management, store = torchserve
    mar = build_mar(artifact_dir, store, "air_lstm")
    status, body = http_call(
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
    status, body = http_call(f"{inference}/predictions/air_lstm", "POST", encode_request(request))
    assert status == 200, body.decode(errors="replace")
    point, q = decode_response(body)
    expected_point, expected_q = load_artifact(artifact_dir).predict_packed(
        request.values, request.lengths, request.horizon, request.quantiles
    )
    assert point.shape == (3, 12) and q.shape == (3, 12, 4)
    np.testing.assert_allclose(point, expected_point, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(q, expected_q, rtol=1e-6, atol=1e-6)

    one = {"values": [float(v) for v in values[:60]], "horizon": 12, "quantiles": [0.1, 0.9]}
    status, body = http_call(f"{inference}/predictions/air_lstm", "POST", json.dumps(one).encode())
    assert status == 200, body.decode(errors="replace")
    np.testing.assert_allclose(json.loads(body)["point"], expected_point[1], rtol=1e-5, atol=1e-4)

    bad = PackedRequest(request.values, request.lengths, 99, (0.5,))
    status, body = http_call(f"{inference}/predictions/air_lstm", "POST", encode_request(bad))
    assert status == 400 and b"horizon" in body
    assert json.loads(http_call(f"{management}/models")[1])["models"][0]["modelName"] == "air_lstm"

    # A line per request in the access log; none in the unrotated standard output or the frontend's log.
    logs = tmp_path / "logs"
    assert (logs / "access_log.log").read_text().count("/predictions/air_lstm") == 3
    assert "/predictions/" not in (tmp_path / "torchserve.log").read_text()
    assert "Backend response time" not in (logs / "ts_log.log").read_text()


def test_a_port_taken_before_the_frontend_binds_it_gets_fresh_ports(tmp_path: Path) -> None:
    """Another process takes the management port between choosing and binding it: the frontend
    exits on it, and start() tries again on fresh ports rather than handing back a dead TorchServe."""
    process = TorchServeProcess(tmp_path)
    taken = process.ports.management
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        start_torchserve(process)
        try:
            # Its own process group, stopped as one, but this session, whose CPU share the
            # server's niced history process yields from (see TorchServeProcess._start_once).
            assert process.pid is not None
            assert os.getpgid(process.pid) == process.pid and os.getsid(process.pid) == os.getsid(0)
            assert process.ports.management != taken
            assert "Address already in use" in process.log_tail(chars=10**7)
            status, body = http_call(f"{process.management_url}/models")
            assert (status, json.loads(body)) == (200, {"models": []})
        finally:
            process.stop()
    # Once a TorchServe has answered on its ports its clients know them: a restart keeps them,
    # and fails rather than moving when one is taken.
    answered = process.ports
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", answered.management))
        squatter.listen()
        try:
            with pytest.raises(TorchServeUnavailable, match="did not start"):
                process.start()
        finally:
            process.stop()  # a start that wrongly succeeded leaves nothing running
    assert process.ports == answered


def test_free_ports_are_outside_the_range_outgoing_connections_draw_from() -> None:
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    ports = [free_port() for _ in range(50)]
    assert all(not low <= port <= high for port in ports)
