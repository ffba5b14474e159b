"""TorchServe handler: many series per request, packed (see ``model_store.packing``), or one
series as JSON (see ``model_store.json_body``), told apart by the body's first byte.

The archive carries the artifact directory under ``artifact/`` and the ``training`` and
``model_store`` sources under ``code/``, so a worker needs only numpy, pandas, torch and
statsforecast installed. Each request in a TorchServe batch is forecast with one
``predict_packed`` call (one forward pass per ensemble member for all its series).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _import_path(model_dir: Path) -> None:
    code = model_dir / "code"
    if code.is_dir() and str(code) not in sys.path:
        sys.path.insert(0, str(code))


class PackedForecastHandler:
    """Custom handler (TorchServe calls ``initialize`` once, then ``handle`` per batch)."""

    def __init__(self) -> None:
        self.model: Any = None
        self.initialized = False

    def initialize(self, context: Any) -> None:
        model_dir = Path(context.system_properties.get("model_dir", "."))
        _import_path(model_dir)
        import torch

        from training.artifacts import load_artifact

        torch.set_num_threads(1)
        self.model = load_artifact(model_dir / "artifact")
        self.initialized = True
        logger.info("loaded %s artifact from %s", self.model.model_type, model_dir)

    def _one(self, body: Any) -> bytes:
        from model_store.json_body import decode_json_request, encode_json_response, is_json
        from model_store.packing import decode_request, encode_response

        if isinstance(body, bytearray | memoryview):
            body = bytes(body)
        # TorchServe's REST frontend hands over a JSON body already parsed.
        if isinstance(body, dict) or (isinstance(body, bytes) and is_json(body)):
            request = decode_json_request(body)
            point, q = self.model.predict_packed(
                request.values, request.lengths, request.horizon, request.quantiles
            )
            return encode_json_response(point, q, request.quantiles)
        if not isinstance(body, bytes):
            raise ValueError("the request body must be a binary packed .npz or a JSON object")
        request = decode_request(body)
        point, q = self.model.predict_packed(
            request.values, request.lengths, request.horizon, request.quantiles, request.last_timestamps
        )
        return encode_response(point, q)

    def handle(self, data: list[dict[str, Any]], context: Any) -> list[bytes]:
        """One response per request; a bad request gets status 400 with the reason as text, and
        one the model failed on status 500, so that neither fails the others in the batch (an
        exception out of here would fail them all, and TorchServe would answer each as a
        failure of the worker, not of the request)."""
        responses: list[bytes] = []
        for index, row in enumerate(data):
            body = row.get("data") if row.get("data") is not None else row.get("body")
            try:
                responses.append(self._one(body))
            except ValueError as exc:  # InvalidRequestError and friends are ValueErrors
                responses.append(_rejected(context, index, 400, str(exc)))
            except Exception as exc:  # the others in the batch are still answered
                from model_store.packing import MODEL_FAILED

                logger.exception("request %d of the batch failed", index)
                reason = f"{MODEL_FAILED} ({type(exc).__name__}; see the model log)"
                responses.append(_rejected(context, index, 500, reason))
        return responses


def _rejected(context: Any, index: int, status: int, reason: str) -> bytes:
    context.set_response_status(status, reason, index)
    return reason.encode()


_service = PackedForecastHandler()


def handle(data: list[dict[str, Any]] | None, context: Any) -> list[bytes] | None:
    """Module-level entry point TorchServe calls."""
    if not _service.initialized:
        _service.initialize(context)
    if data is None:
        return None
    return _service.handle(data, context)
