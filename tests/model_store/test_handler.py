from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from model_store.archive import build_mar
from model_store.handler import PackedForecastHandler
from model_store.packing import PackedRequest, decode_response, encode_request
from training.artifacts import load_artifact
from training.panel import Panel


class FakeContext:
    def __init__(self, model_dir: Path) -> None:
        self.system_properties = {"model_dir": str(model_dir)}
        self.statuses: dict[int, tuple[int, str]] = {}

    def set_response_status(self, code: int, phrase: str, idx: int = 0) -> None:
        self.statuses[idx] = (code, phrase)


def _request(panel: Panel, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)) -> PackedRequest:
    values, _ = panel.packed()
    both = np.concatenate([values, values[-40:]])
    return PackedRequest(both, np.array([values.size, 40], np.int32), 12, quantiles)


def test_handler_answers_many_series_per_request(artifact_dir: Path, air: Panel, tmp_path: Path) -> None:
    (tmp_path / "artifact").symlink_to(artifact_dir)
    handler = PackedForecastHandler()
    context: Any = FakeContext(tmp_path)
    handler.initialize(context)
    good = _request(air)
    bad = _request(air, (0.0001,))
    responses = handler.handle(
        [{"body": bytearray(encode_request(good))}, {"data": encode_request(bad)}], context
    )
    point, q = decode_response(responses[0])
    expected = load_artifact(artifact_dir).predict_packed(good.values, good.lengths, 12, good.quantiles)
    np.testing.assert_array_equal(point, expected[0])
    np.testing.assert_array_equal(q, expected[1])
    assert context.statuses[1][0] == 400 and "outside the trained range" in context.statuses[1][1]


def test_handler_answers_one_json_series(artifact_dir: Path, air: Panel, tmp_path: Path) -> None:
    (tmp_path / "artifact").symlink_to(artifact_dir)
    handler = PackedForecastHandler()
    context: Any = FakeContext(tmp_path)
    handler.initialize(context)
    values, _ = air.packed()
    history: list[float | None] = [float(v) for v in values[-48:]]
    history[5] = None  # a missing value
    request = {"values": history, "horizon": 6, "quantiles": [0.1, 0.9]}
    responses = handler.handle(
        [
            {"data": json.dumps(request).encode()},  # the gRPC API passes the bytes
            {"body": request},  # the REST API passes the parsed JSON
            {"data": b'{"values": [1, "x"], "horizon": 6}'},
            {"data": b'{"values": [1, 2, 3], "horizon": 99}'},
        ],
        context,
    )
    packed = np.array([np.nan if v is None else v for v in history], np.float32)
    point, q = load_artifact(artifact_dir).predict_packed(packed, np.array([48], np.int32), 6, (0.1, 0.9))
    for body in responses[:2]:
        answer = json.loads(body)
        np.testing.assert_allclose(answer["point"], point[0], rtol=1e-6)
        np.testing.assert_allclose(answer["quantiles"]["0.1"], q[0, :, 0], rtol=1e-6)
        np.testing.assert_allclose(answer["quantiles"]["0.9"], q[0, :, 1], rtol=1e-6)
    assert context.statuses[2][0] == 400 and "values must hold numbers" in context.statuses[2][1]
    assert context.statuses[3][0] == 400 and "horizon" in context.statuses[3][1]
    assert set(context.statuses) == {2, 3}


def test_archive_contains_handler_artifact_and_code(artifact_dir: Path, tmp_path: Path) -> None:
    mar = build_mar(artifact_dir, tmp_path, "air_lstm")
    names = set(zipfile.ZipFile(mar).namelist())
    assert {"handler.py", "artifact/config.json", "artifact/weights.pt", "MAR-INF/MANIFEST.json"} <= names
    assert "code/training/models/deep.py" in names and "code/model_store/packing.py" in names
    assert not any("__pycache__" in n for n in names)


class _FailingModel:
    """Forecasts zeros, and fails as a bug would on a horizon of 2."""

    def predict_packed(self, values: Any, lengths: Any, horizon: int, quantiles: Any, *_: Any) -> Any:
        if horizon == 2:
            raise RuntimeError("a bug")
        return np.zeros((lengths.size, horizon), np.float32), np.zeros((lengths.size, horizon, 0), np.float32)


def test_a_request_the_model_fails_on_does_not_fail_the_batch(tmp_path: Path) -> None:
    """Only ValueErrors were caught: anything else left ``handle``, so TorchServe failed every
    request in the batch, each as a worker error (which the server reads as "unavailable")."""
    handler = PackedForecastHandler()
    handler.model = _FailingModel()
    context: Any = FakeContext(tmp_path)
    bodies = [
        encode_request(PackedRequest(np.ones(3, np.float32), np.array([3], np.int32), h, ())) for h in (4, 2)
    ]
    responses = handler.handle([{"data": body} for body in [*bodies, b"junk"]], context)
    assert decode_response(responses[0])[0].shape == (1, 4)
    assert context.statuses[1][0] == 500 and "RuntimeError" in context.statuses[1][1]
    assert responses[1] == context.statuses[1][1].encode()
    assert context.statuses[2][0] == 400 and "not a packed .npz" in context.statuses[2][1]
    assert set(context.statuses) == {1, 2}
