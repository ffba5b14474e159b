"""The fleet's TorchServe configuration (deploy/torchserve/config.properties) on a real
TorchServe: it accepts every key, and a TorchServe that starts serves the archives already in
the shared model store (load_models=all), which is what lets the autoscaler add pods."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import torch

import model_store.torchserve
from model_store.archive import build_mar
from model_store.packing import PackedRequest, decode_response, encode_request
from model_store.torchserve import TorchServeProcess, http_call
from model_store.torchserve_config import Ports
from tests.conftest import start_torchserve
from tests.deploy.files import TORCHSERVE_PROPERTIES, properties
from training.artifacts import save_artifact
from training.datasets import load_demo
from training.panel import Panel
from training.registry import create_forecaster

pytestmark = [pytest.mark.torchserve, pytest.mark.slow]


def deployed_config(ports: Ports, store: Path, **_: object) -> str:
    """deploy/torchserve/config.properties with this machine's loopback ports and store: the
    only keys a deployment places differently."""
    config = properties(TORCHSERVE_PROPERTIES)
    for key, port in (
        ("inference_address", ports.inference),
        ("management_address", ports.management),
        ("metrics_address", ports.metrics),
    ):
        config[key] = f"{urlsplit(config[key]).scheme}://127.0.0.1:{port}"
    config |= {
        "grpc_inference_address": "127.0.0.1",
        "grpc_management_address": "127.0.0.1",
        "grpc_inference_port": str(ports.grpc_inference),
        "grpc_management_port": str(ports.grpc_management),
        "model_store": str(store),
    }
    return "".join(f"{key}={value}\n" for key, value in config.items())


@pytest.fixture
def fleet_member(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TorchServeProcess]:
    """A TorchServe on the deployed configuration whose store already holds a version."""
    torch.set_num_threads(1)
    air = Panel.from_long(load_demo("airpassengers"))
    model = create_forecaster(
        "LSTM", {"hidden_size": 8, "max_epochs": 2, "ensemble_size": 1, "refit_full": False}
    )
    model.fit(air, 12)
    artifact = save_artifact(model, tmp_path / "artifact", panel=air, metrics={})
    process = TorchServeProcess(tmp_path / "torchserve")
    build_mar(artifact, process.model_store, "quantis-deployed")
    monkeypatch.setattr(model_store.torchserve, "config_text", deployed_config)
    start_torchserve(process)
    try:
        yield process
    finally:
        process.stop()


def test_a_starting_torchserve_serves_the_archives_already_stored(fleet_member: TorchServeProcess) -> None:
    written = (fleet_member.home / "config.properties").read_text()
    assert "load_models=all" in written and "max_request_size=268435456" in written
    status, body = http_call(f"{fleet_member.management_url}/models")
    assert status == 200
    assert [m["modelName"] for m in json.loads(body)["models"]] == ["quantis-deployed"]

    values = np.arange(1, 49, dtype=np.float32)
    request = PackedRequest(values, np.array([48], np.int32), 6, (0.1, 0.5, 0.9))
    status, body = http_call(
        f"{fleet_member.inference_url}/predictions/quantis-deployed", "POST", encode_request(request)
    )
    assert status == 200, body.decode(errors="replace")
    point, quantiles = decode_response(body)
    assert point.shape == (1, 6) and quantiles.shape == (1, 6, 3)

    status, body = http_call(f"http://127.0.0.1:{fleet_member.ports.metrics}/metrics")
    assert status == 200 and b"ts_inference_requests_total" in body
