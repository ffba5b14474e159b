"""How the server reads TorchServe's answers: forecasts, rejected requests, failed models."""

from __future__ import annotations

import numpy as np
import pytest

from model_store.packing import MODEL_FAILED, encode_response
from server.backends.torchserve_protocol import ModelFailed, decode
from training.errors import InvalidRequestError


def test_a_packed_answer_is_read() -> None:
    point = np.arange(6, dtype=np.float32).reshape(2, 3)
    quantiles = np.stack([point - 1, point + 1], axis=-1)
    arrays = decode(encode_response(point, quantiles))
    assert arrays.point.tolist() == point.tolist()
    assert arrays.quantiles.tolist() == quantiles.tolist()


def test_a_rejected_request_is_the_callers_error_and_a_failed_model_is_not() -> None:
    """Both come over gRPC as successful answers whose body is the handler's reason: a 400 is
    INVALID_ARGUMENT for the caller, a model that raised is the server's fault (INTERNAL), not
    a bad request."""
    with pytest.raises(InvalidRequestError, match="lengths must sum"):
        decode(b"lengths must sum to the number of values")
    with pytest.raises(ModelFailed, match="RuntimeError") as failed:
        decode(f"{MODEL_FAILED} (RuntimeError; see the model log)".encode())
    assert not isinstance(failed.value, ValueError)
