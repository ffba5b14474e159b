"""The MLServer custom runtime the serving benchmark compares Quantis with.

Runs inside the benchmark's own MLServer virtual environment (``mlserver`` is not a
Quantis dependency), with the repository on PYTHONPATH for ``training``. It serves the
same artifact as every other system through the same ``predict_packed`` call.

Input: one FP32 tensor ``values`` of shape [n, length] (n series of one length), so
MLServer's adaptive batching can stack requests along the first dimension. Output: one
FP32 tensor ``forecast`` of shape [n, horizon, 1 + q] (point, then the quantiles). The
horizon and quantiles come from the model settings (``parameters.extra``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from mlserver import MLModel  # type: ignore[import-not-found]
from mlserver.codecs import NumpyCodec  # type: ignore[import-not-found]
from mlserver.types import InferenceRequest, InferenceResponse  # type: ignore[import-not-found]

from training.artifacts import load_artifact


class ForecastRuntime(MLModel):  # type: ignore[misc]
    async def load(self) -> bool:
        torch.set_num_threads(1)  # as the TorchServe handler and the in-process backend
        parameters = self.settings.parameters
        self._model = load_artifact(parameters.uri)
        self._horizon = int(parameters.extra["horizon"])
        self._quantiles = tuple(float(q) for q in parameters.extra["quantiles"])
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        values = NumpyCodec.decode_input(payload.inputs[0]).astype(np.float32, copy=False)
        n, length = values.shape
        lengths = np.full(n, length, dtype=np.int32)
        point, quantiles = self._model.predict_packed(
            values.reshape(-1), lengths, self._horizon, self._quantiles
        )
        stacked: Any = np.concatenate([point[..., None], quantiles], axis=-1).astype(np.float32)
        return InferenceResponse(
            model_name=self.name, outputs=[NumpyCodec.encode_output("forecast", stacked)]
        )
