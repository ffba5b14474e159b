"""The JSON layout of a one-series request and its response (the TorchServe handler's second path).

Request: ``{"values": [float, ...], "horizon": int, "quantiles": [float, ...]}``; ``null``
in ``values`` marks a missing value. Response: ``{"point": [float] * horizon,
"quantiles": {"<level>": [float] * horizon}}``.

This is how a client without numpy would call TorchServe, one series per request; the
server never uses it (it sends packed batches, see ``model_store.packing``). The serving
benchmark uses it to measure that way of calling.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt

from model_store.packing import MAX_HORIZON, PackedRequest
from training.errors import InvalidRequestError

MAX_VALUES = 100_000


def is_json(body: bytes) -> bool:
    return body.lstrip()[:1] == b"{"


def decode_json_request(body: bytes | dict[str, Any]) -> PackedRequest:
    """Parse and validate one JSON series; any malformation is an ``InvalidRequestError``."""
    try:
        data = json.loads(body) if isinstance(body, bytes) else body
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequestError(f"request body is not JSON: {exc}") from exc
    except RecursionError as exc:  # [[[...]]] nested some thousands deep
        raise InvalidRequestError("request body is JSON nested too deeply") from exc
    if not isinstance(data, dict):
        raise InvalidRequestError("the JSON body must be an object")
    values, horizon, quantiles = data.get("values"), data.get("horizon"), data.get("quantiles", [])
    if not isinstance(values, list) or not 0 < len(values) <= MAX_VALUES:
        raise InvalidRequestError(f"values must be a list of 1 to {MAX_VALUES:,} numbers")
    if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
        raise InvalidRequestError("values must hold numbers (null for a missing value)")
    if not isinstance(horizon, int) or isinstance(horizon, bool):
        raise InvalidRequestError("horizon must be an integer")
    if horizon > MAX_HORIZON:
        raise InvalidRequestError(f"horizon {horizon} is above the limit of {MAX_HORIZON:,}")
    if not isinstance(quantiles, list) or not all(
        isinstance(q, int | float) and not isinstance(q, bool) for q in quantiles
    ):
        raise InvalidRequestError("quantiles must be a list of numbers")
    try:  # an integer of 400 digits is valid JSON, and more than a float holds
        array = np.array([np.nan if v is None else v for v in values], dtype=np.float32)
        levels = tuple(float(q) for q in quantiles)
    except OverflowError as exc:
        raise InvalidRequestError("values and quantiles must be within the float range") from exc
    return PackedRequest(array, np.array([array.size], np.int32), horizon, levels)


def encode_json_response(
    point: npt.NDArray[np.float32], quantiles: npt.NDArray[np.float32], levels: tuple[float, ...]
) -> bytes:
    """The forecast of the one series in ``point`` (1, h) and ``quantiles`` (1, h, q)."""
    answer = {
        "point": point[0].tolist(),
        "quantiles": {repr(level): quantiles[0, :, i].tolist() for i, level in enumerate(levels)},
    }
    return json.dumps(answer).encode()
