"""The same series, encoded as each system's request, and each system's answer checked.

Series are 48-month windows of AirPassengers (97 distinct ones, repeated as needed); every
request asks for the model's horizon with the 0.1 and 0.9 quantiles. A system's answer to
one request is compared with ``predict_packed`` on the same artifact before it is timed,
so every row of the table computes the same forecasts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import numpy.typing as npt
from quantis.v1 import common_pb2, prediction_service_pb2

from model_store.packing import PackedRequest, decode_response, encode_request
from server.backends.torchserve_pb import inference_pb2
from training import Forecaster
from training.datasets import load_demo

F32 = npt.NDArray[np.float32]
LENGTH = 48
HORIZON = 12
QUANTILES = (0.1, 0.9)
TS_PREDICTIONS = "/org.pytorch.serve.grpc.inference.InferenceAPIsService/Predictions"
V2_INFER = "/inference.GRPCInferenceService/ModelInfer"
QUANTIS = "/quantis.v1.PredictionService/"
V2: Any = grpc.protos("bench/v2_dataplane.proto")


def series(n: int) -> F32:
    """``n`` series of LENGTH values, shape (n, LENGTH)."""
    air = load_demo("airpassengers")["value"].to_numpy(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(air, LENGTH)
    return np.ascontiguousarray(windows[np.arange(n) % len(windows)])


def expected(model: Forecaster, values: F32) -> tuple[F32, F32]:
    lengths = np.full(values.shape[0], values.shape[1], np.int32)
    return model.predict_packed(values.reshape(-1), lengths, HORIZON, QUANTILES)


def _close(what: str, got: npt.ArrayLike, want: npt.ArrayLike) -> None:
    if not np.allclose(got, want, rtol=1e-4, atol=1e-3):
        raise AssertionError(f"{what}: the answer differs from predict_packed on the same artifact")


# -- Quantis ---------------------------------------------------------------------------------


def quantis_predict(model_id: str, values: F32) -> prediction_service_pb2.PredictRequest:
    return prediction_service_pb2.PredictRequest(
        model_id=model_id,
        series=common_pb2.Series(
            series_id="air", values=values[0].tolist(), frequency=common_pb2.FREQUENCY_MONTHLY
        ),
        horizon=HORIZON,
        quantiles=QUANTILES,
    )


def check_quantis_predict(answer: bytes, want: tuple[F32, F32]) -> None:
    forecast = prediction_service_pb2.PredictResponse.FromString(answer).forecast
    _close("Quantis Predict", [p.mean for p in forecast.points], want[0][0])
    _close("Quantis Predict 0.9", [p.quantiles[-1].value for p in forecast.points], want[1][0, :, -1])


def quantis_stream(model_id: str, values: F32) -> prediction_service_pb2.StreamPredictRequest:
    n = values.shape[0]
    return prediction_service_pb2.StreamPredictRequest(
        request_id="bench",
        model_id=model_id,
        horizon=HORIZON,
        quantiles=QUANTILES,
        frequency=common_pb2.FREQUENCY_MONTHLY,
        series_ids=[f"s{i}" for i in range(n)],
        lengths=[values.shape[1]] * n,
        values=values.reshape(-1).tolist(),
    )


def check_quantis_stream(answer: bytes, want: tuple[F32, F32]) -> None:
    response = prediction_service_pb2.StreamPredictResponse.FromString(answer)
    if response.HasField("error"):
        raise AssertionError(f"Quantis StreamPredict: {response.error.message}")
    _close("Quantis StreamPredict", np.reshape(response.point_forecasts, want[0].shape), want[0])


def quantis_batch(model_id: str, dataset_id: str, chunk: int) -> prediction_service_pb2.BatchPredictRequest:
    return prediction_service_pb2.BatchPredictRequest(
        dataset_id=dataset_id, model_id=model_id, horizon=HORIZON, quantiles=QUANTILES, chunk_size=chunk
    )


# -- TorchServe ------------------------------------------------------------------------------


def torchserve_json(model_name: str, values: F32) -> inference_pb2.PredictionsRequest:
    body = {"values": values[0].tolist(), "horizon": HORIZON, "quantiles": list(QUANTILES)}
    return inference_pb2.PredictionsRequest(model_name=model_name, input={"data": json.dumps(body).encode()})


def check_torchserve_json(answer: bytes, want: tuple[F32, F32]) -> None:
    body = json.loads(inference_pb2.PredictionResponse.FromString(answer).prediction)
    _close("TorchServe JSON", body["point"], want[0][0])


def torchserve_packed(model_name: str, values: F32) -> inference_pb2.PredictionsRequest:
    n = values.shape[0]
    packed = PackedRequest(values.reshape(-1), np.full(n, values.shape[1], np.int32), HORIZON, QUANTILES)
    return inference_pb2.PredictionsRequest(model_name=model_name, input={"data": encode_request(packed)})


def check_torchserve_packed(answer: bytes, want: tuple[F32, F32]) -> None:
    point, quantiles = decode_response(inference_pb2.PredictionResponse.FromString(answer).prediction)
    _close("TorchServe packed", point, want[0])
    _close("TorchServe packed quantiles", quantiles, want[1])


# -- MLServer (V2) ---------------------------------------------------------------------------


def mlserver_infer(model_name: str, values: F32) -> Any:
    tensor = V2.ModelInferRequest.InferInputTensor(name="values", datatype="FP32", shape=list(values.shape))
    return V2.ModelInferRequest(
        model_name=model_name, inputs=[tensor], raw_input_contents=[values.astype("<f4").tobytes()]
    )


def check_mlserver(answer: bytes, want: tuple[F32, F32]) -> None:
    response = V2.ModelInferResponse.FromString(answer)
    shape = list(response.outputs[0].shape)
    stacked = np.frombuffer(response.raw_output_contents[0], "<f4").reshape(shape)
    _close("MLServer", stacked[..., 0], want[0])
    _close("MLServer quantiles", stacked[..., 1:], want[1])


@dataclass(frozen=True)
class Probe:
    """One call made from this process to check an answer before the timed run."""

    target: str
    method: str
    payload: bytes
    metadata: tuple[tuple[str, str], ...] = ()


def call_once(probe: Probe, *, stream: bool = False) -> bytes:
    options = [("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]
    with grpc.insecure_channel(probe.target, options=options) as channel:
        if stream:
            bidi: grpc.StreamStreamMultiCallable[bytes, bytes] = channel.stream_stream(probe.method)
            answers = list(bidi(iter([probe.payload]), metadata=probe.metadata, timeout=60))
            return bytes(answers[0])
        unary: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(probe.method)
        return bytes(unary(probe.payload, metadata=probe.metadata, timeout=60))


def artifact_of(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))
