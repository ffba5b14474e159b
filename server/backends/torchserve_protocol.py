"""The TorchServe gRPC inference API as the backend speaks it: channel options, names, errors.

Versions are registered under ``model_name``; a call TorchServe could not answer becomes
server.errors.Unavailable (``unavailable``), except "model not found" (``model_unknown``),
after which the backend registers the version again. ``decode`` reads the packed answer
(model_store.packing), or raises the reason TorchServe gave for rejecting the request.
"""

from __future__ import annotations

import re

import grpc
import numpy as np

from model_store.npz import NPY_MAGIC
from model_store.packing import decode_response
from server.backends.base import ForecastArrays
from server.errors import Unavailable
from training.errors import InvalidRequestError

# TorchServe's own limit on packed bodies is set to the same (model_store.torchserve_config).
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    # Reconnect within a second of TorchServe's return, not after gRPC's backoff of up to two minutes.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]
RETRY_AFTER_SECONDS = 1.0


def model_name(version_id: str) -> str:
    """The name a version is registered under (TorchServe allows letters, digits, ``_-.``)."""
    return "quantis-" + re.sub(r"[^A-Za-z0-9_.-]", "_", version_id)


def first_line(text: str) -> str:
    # TorchServe appends the Java exception class on a second line.
    return text.strip().splitlines()[0] if text.strip() else "no details"


def model_unknown(error: grpc.aio.AioRpcError) -> bool:
    details = error.details() or ""
    return error.code() == grpc.StatusCode.NOT_FOUND or "ModelNotFoundException" in details


def unavailable(error: grpc.aio.AioRpcError, timeout: float) -> Unavailable:
    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = f"TorchServe did not answer within {timeout:g} s"
    else:
        message = f"TorchServe could not answer ({error.code().name}: {first_line(error.details() or '')})"
    return Unavailable(
        message, retry_after_seconds=RETRY_AFTER_SECONDS, reason="INFERENCE_BACKEND_UNAVAILABLE"
    )


def decode(body: bytes) -> ForecastArrays:
    # Over gRPC TorchServe answers the handler's status 400 as a success whose body is the reason.
    if not body.startswith(NPY_MAGIC):
        raise InvalidRequestError(body.decode(errors="replace")[:500] or "TorchServe rejected the request")
    point, quantiles = decode_response(body)
    return ForecastArrays(np.array(point), np.array(quantiles))  # copies: decode_response gives views
