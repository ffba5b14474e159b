"""The binary layout of batch forecast requests and responses (TorchServe and the server).

Request: an ``.npz`` archive (``numpy.savez``; no pickles) holding

    values           float32 (N,)   every series' history, concatenated
    lengths          int32   (n,)   length of each series; sums to N
    horizon          int32   ()     steps to forecast
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
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu" or not 0 < lengths.size <= MAX_SERIES:
        raise InvalidRequestError("lengths must be a 1-D integer array of 1 to 1,000,000 series")
    if arrays["horizon"].size != 1 or arrays["horizon"].dtype.kind not in "iu":
        raise InvalidRequestError("horizon must be one integer")
    stamps = arrays.get("last_timestamps")
    if stamps is not None and (stamps.shape != lengths.shape or stamps.dtype.kind not in "iu"):
        raise InvalidRequestError("last_timestamps must be int64 nanoseconds, one per series")
    return PackedRequest(
        np.array(values, dtype=np.float32),  # a copy: what read_npz returns may be read-only
        lengths.astype(np.int32),
        int(arrays["horizon"]),
        tuple(float(q) for q in np.asarray(arrays["quantiles"], dtype=np.float64).reshape(-1)),
        None if stamps is None else stamps.astype(np.int64).astype("datetime64[ns]"),
    )


def encode_response(point: npt.NDArray[np.float32], quantiles: npt.NDArray[np.float32]) -> bytes:
    stacked = np.empty((*point.shape, 1 + quantiles.shape[-1]), dtype=np.float32)
    stacked[..., 0], stacked[..., 1:] = point, quantiles
    return write_npy(stacked)


def decode_response(payload: bytes) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The point forecasts and quantiles of a response; they may be read-only views of ``payload``."""
    stacked = read_npy(payload).astype(np.float32, copy=False)
    return stacked[..., 0], stacked[..., 1:]
