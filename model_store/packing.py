"""The binary layout of batch forecast requests and responses (TorchServe and the server).

Request: an ``.npz`` archive (``numpy.savez``; no pickles) holding

    values           float32 (N,)   every series' history, concatenated
    lengths          int32   (n,)   length of each series; sums to N
    horizon          int32   ()     steps to forecast, at most MAX_HORIZON
    quantiles        float64 (q,)   quantile levels in (0, 1)
    last_timestamps  int64   (n,)   optional: each series' last timestamp, ns since the epoch

Response: one ``.npy`` float32 array of shape (n, horizon, 1 + q): ``[..., 0]`` is the point
forecast, ``[..., 1:]`` the requested quantiles in request order.

Both are written and read by model_store.npz, which lays the same formats out directly.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from model_store.npz import read_npy, read_npz, write_npy, write_npz
from training.errors import InvalidRequestError

MAX_SERIES = 1_000_000
MAX_VALUES = 200_000_000
MAX_HORIZON = 10_000
"""Far above the server's own limit; a statistical model took 11 s for 100,000 steps of one
series, so a horizon of 10**9 would hold a worker for hours."""
MAX_LEVELS = 99
"""Quantile levels per request: far above the server's own limit, and every level adds a value
per series and step to the answer."""
_INT64_MAX = np.iinfo(np.int64).max
MODEL_FAILED = "the model failed on this request"
"""How the handler's answer to a request its model raised on begins (status 500; over gRPC
TorchServe passes it on as a successful answer whose body is this text)."""


@dataclass(frozen=True)
class PackedRequest:
    values: npt.NDArray[np.float32]
    lengths: npt.NDArray[np.int32]
    horizon: int
    quantiles: tuple[float, ...]
    last_timestamps: npt.NDArray[np.datetime64] | None = None


def encode_request(request: PackedRequest) -> bytes:
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "values": np.asarray(request.values, dtype=np.float32),
        "lengths": np.asarray(request.lengths, dtype=np.int32),
        "horizon": np.asarray(request.horizon, dtype=np.int32),
        "quantiles": np.asarray(request.quantiles, dtype=np.float64),
    }
    if request.last_timestamps is not None:
        arrays["last_timestamps"] = request.last_timestamps.astype("datetime64[ns]").astype(np.int64)
    return write_npz(arrays)


def decode_request(payload: bytes) -> PackedRequest:
    """Parse and validate a request body; any malformation is an ``InvalidRequestError``."""
    try:
        arrays = read_npz(payload)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InvalidRequestError(f"request body is not a packed .npz: {exc}") from exc
    missing = {"values", "lengths", "horizon", "quantiles"} - arrays.keys()
    if missing:
        raise InvalidRequestError(f"request is missing arrays: {', '.join(sorted(missing))}")
    values, lengths = arrays["values"], arrays["lengths"]
    if values.ndim != 1 or values.dtype.kind != "f" or values.size > MAX_VALUES:
        raise InvalidRequestError("values must be a 1-D float array of at most 200M entries")
    _check_lengths(lengths)
    stamps = arrays.get("last_timestamps")
    if stamps is not None:
        _check_stamps(stamps, lengths)
    _check_levels(arrays["quantiles"])
    return PackedRequest(
        np.array(values, dtype=np.float32),  # a copy: what read_npz returns may be read-only
        lengths.astype(np.int32),
        _horizon(arrays["horizon"]),
        tuple(float(q) for q in np.asarray(arrays["quantiles"], dtype=np.float64).reshape(-1)),
        None if stamps is None else stamps.astype(np.int64).astype("datetime64[ns]"),
    )


def _check_lengths(lengths: npt.NDArray[np.generic]) -> None:
    """Lengths that int32 holds as sent: 2**32 + 30 would otherwise be read as 30."""
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or not 0 < lengths.size <= MAX_SERIES:
        raise InvalidRequestError("lengths must be a 1-D integer array of 1 to 1,000,000 series")
    if int(lengths.min()) < 1 or int(lengths.max()) > MAX_VALUES:
        raise InvalidRequestError(f"every length must be between 1 and {MAX_VALUES:,}")


def _check_stamps(stamps: npt.NDArray[np.generic], lengths: npt.NDArray[np.generic]) -> None:
    if stamps.shape != lengths.shape or stamps.dtype.kind not in "iu":
        raise InvalidRequestError("last_timestamps must be int64 nanoseconds, one per series")
    if stamps.dtype.kind == "u" and int(stamps.max()) > _INT64_MAX:
        raise InvalidRequestError("last_timestamps must be int64 nanoseconds, none beyond 2262")


def _check_levels(levels: npt.NDArray[np.generic]) -> None:
    if levels.dtype.kind not in "fiu":
        raise InvalidRequestError("quantiles must be an array of real numbers")
    if levels.size > MAX_LEVELS:
        raise InvalidRequestError(f"{levels.size:,} quantile levels are above the limit of {MAX_LEVELS}")


def _horizon(array: npt.NDArray[np.generic]) -> int:
    """The one integer in ``array``, of any shape: a 0-d array, or [6] as a client may send."""
    if array.size != 1 or array.dtype.kind not in "iu":
        raise InvalidRequestError("horizon must be one integer")
    horizon = int(array.reshape(-1)[0])
    if horizon > MAX_HORIZON:
        raise InvalidRequestError(f"horizon {horizon} is above the limit of {MAX_HORIZON:,}")
    return horizon


def encode_response(point: npt.NDArray[np.float32], quantiles: npt.NDArray[np.float32]) -> bytes:
    stacked = np.empty((*point.shape, 1 + quantiles.shape[-1]), dtype=np.float32)
    stacked[..., 0], stacked[..., 1:] = point, quantiles
    return write_npy(stacked)


def decode_response(payload: bytes) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The point forecasts and quantiles of a response; they may be read-only views of ``payload``."""
    stacked = read_npy(payload).astype(np.float32, copy=False)
    return stacked[..., 0], stacked[..., 1:]
