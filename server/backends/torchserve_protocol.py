"""The TorchServe gRPC inference API as the backend speaks it: channel options, names, errors,
the calls under way.

Versions are registered under ``model_name``; a call TorchServe could not answer becomes
server.errors.Unavailable (``unavailable``), except "model not found" (``model_unknown``),
after which the backend registers the version again. ``decode`` reads the packed answer
(model_store.packing), or raises the reason TorchServe gave for rejecting the request, or
ModelFailed where the model raised on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterator

import grpc
import numpy as np

from model_store.npz import NPY_MAGIC
from model_store.packing import MODEL_FAILED, decode_response
from server.backends.base import ForecastArrays
from server.channels import QUICK_RECONNECT
from server.errors import FailedPrecondition, PreconditionViolation, Unavailable
from training.errors import InvalidRequestError

# TorchServe's own limit on packed bodies is set to the same (model_store.torchserve_config).
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    *QUICK_RECONNECT,  # within a second of TorchServe's return
]
RETRY_AFTER_SECONDS = 1.0


class CallsUnderWay:
    """The inference calls under way per version, which unregistering a version waits for."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}
        self._ended: dict[str, asyncio.Event] = {}

    @contextlib.contextmanager
    def of(self, version_id: str) -> Iterator[None]:
        self._count[version_id] = self._count.get(version_id, 0) + 1
        try:
            yield
        finally:
            self._count[version_id] -= 1
            if not self._count[version_id]:
                del self._count[version_id]
                ended = self._ended.pop(version_id, None)
                if ended is not None:
                    ended.set()

    async def ended(self, version_id: str, *, within: float) -> None:
        """Return once no call of ``version_id`` is under way, or after ``within`` seconds."""
        if self._count.get(version_id):
            ended = self._ended.setdefault(version_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), within)


def model_name(version_id: str) -> str:
    """The name a version is registered under (TorchServe allows letters, digits, ``_-.``)."""
    return "quantis-" + re.sub(r"[^A-Za-z0-9_.-]", "_", version_id)


def first_line(text: str) -> str:
    """What TorchServe said: the management API answers ``{"code", "type", "message"}``; gRPC
    details carry the Java exception class on a second line."""
    try:
        message = json.loads(text).get("message")
    except (ValueError, AttributeError):
        message = None
    if isinstance(message, str) and message.strip():
        text = message
    return text.strip().splitlines()[0] if text.strip() else "no details"


def not_registered(version_id: str, status: int, body: str) -> Exception:
    """Why registering ``version_id`` failed: its archive did not load (no retry helps), or
    TorchServe could not take it now."""
    said = first_line(body)
    if status == 500 and "Failed to start workers" in said:
        return FailedPrecondition(
            f"model version {version_id!r} could not be loaded on TorchServe ({said}); its archive "
            "or weights are unusable (TorchServe's model log has the worker's error)",
            reason="MODEL_VERSION_NOT_LOADABLE",
            violations=[
                PreconditionViolation("MODEL_VERSION_NOT_LOADABLE", version_id, "deploy a loadable version")
            ],
        )
    return Unavailable(
        f"TorchServe did not register model version {version_id!r} ({status}: {said})",
        retry_after_seconds=RETRY_AFTER_SECONDS,
        reason="INFERENCE_BACKEND_UNAVAILABLE",
    )


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


class ModelFailed(RuntimeError):
    """The model raised on a request TorchServe's handler took as valid: a fault of the model or
    of Quantis, answered as INTERNAL, not a bad request or an outage that a retry would cure."""


def decode(body: bytes) -> ForecastArrays:
    # Over gRPC TorchServe answers the handler's statuses 400 and 500 as a success whose body
    # is the reason.
    if not body.startswith(NPY_MAGIC):
        said = body.decode(errors="replace")[:500]
        if said.startswith(MODEL_FAILED):
            raise ModelFailed(f"TorchServe: {said}")
        raise InvalidRequestError(said or "TorchServe rejected the request")
    point, quantiles = decode_response(body)
    return ForecastArrays(np.array(point), np.array(quantiles))  # copies: decode_response gives views
