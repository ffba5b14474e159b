"""Per-series scaling: an optional log transform, then standardisation by each series' history.

Counts and sales are multiplicative (a season's swing grows with the level), so the networks
learn them on a log scale. ``log`` needs every value positive; ``log1p`` (log of 1 + value)
takes zeros too, as count data has, and is close to ``log`` for values much larger than 1.

The statistics of every training series are stored with the artifact (``scaler.json``);
at inference the same rule is applied to the history a request supplies, so a series sent
with its training history gets exactly the stored statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from training.errors import InvalidDataError

F64 = npt.NDArray[np.float64]
TRANSFORMS = ("auto", "none", "log", "log1p")
MIN_SCALE = 1e-6


def resolve_transform(choice: str, values: npt.NDArray[np.floating]) -> str:
    """``auto`` becomes ``log`` when every observed value is positive, ``log1p`` when none is
    negative (a few zeros, as in counts, must not take the log scale from every series of a
    panel), else ``none``."""
    if choice not in TRANSFORMS:
        raise ValueError(f"unknown transform {choice!r}")
    if choice != "auto":
        return choice
    observed = values[~np.isnan(values)]
    if not observed.size or bool(np.any(observed < 0)):
        return "none"
    return "log" if bool(np.all(observed > 0)) else "log1p"


def forward_transform(values: npt.NDArray[np.floating], kind: str) -> F64:
    out = np.asarray(values, dtype=np.float64)
    if kind == "log":
        if np.any(out <= 0):  # NaN (a missing value) compares False
            raise InvalidDataError("values must be positive for a model trained on log values")
        return np.log(out)
    if kind == "log1p":
        if np.any(out < 0):
            raise InvalidDataError("values must be at least 0 for a model trained on log(1 + value)")
        return np.log1p(out)
    return out.copy()


def inverse_transform(values: npt.NDArray[np.floating], kind: str) -> F64:
    out = np.asarray(values, dtype=np.float64)
    if kind == "log":
        return np.exp(out)
    return np.expm1(out) if kind == "log1p" else out


def segment_stats(flat: F64, lengths: npt.NDArray[np.int32]) -> tuple[F64, F64]:
    """NaN-aware mean and standard deviation of each ragged segment, without Python loops."""
    if lengths.size == 0 or int(lengths.min()) < 1:
        raise InvalidDataError("every series needs at least one value")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    observed = ~np.isnan(flat)
    clean = np.where(observed, flat, 0.0)
    count = np.add.reduceat(observed.astype(np.float64), starts)
    if np.any(count == 0):
        raise InvalidDataError("a series has no observed value")
    mean = np.add.reduceat(clean, starts) / count
    centred = np.where(observed, flat - np.repeat(mean, lengths), 0.0)
    var = np.add.reduceat(centred**2, starts) / count
    return mean, np.maximum(np.sqrt(var), MIN_SCALE * np.maximum(np.abs(mean), 1.0))


@dataclass(frozen=True)
class ScalerStats:
    """Per-series location and scale (after the transform), keyed by series id."""

    transform: str
    series_ids: tuple[str, ...]
    loc: F64
    scale: F64

    def to_json(self) -> dict[str, object]:
        return {
            "transform": self.transform,
            "series": {
                sid: {"loc": float(lo), "scale": float(sc)}
                for sid, lo, sc in zip(self.series_ids, self.loc, self.scale, strict=True)
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ScalerStats:
        series = data["series"]
        assert isinstance(series, dict)
        ids = tuple(series)
        return cls(
            str(data["transform"]),
            ids,
            np.array([series[s]["loc"] for s in ids], dtype=np.float64),
            np.array([series[s]["scale"] for s in ids], dtype=np.float64),
        )


def scale_packed(
    flat: npt.NDArray[np.floating], lengths: npt.NDArray[np.int32], transform: str
) -> tuple[F64, F64, F64]:
    """Transform and standardise packed series; returns (scaled flat values, loc, scale)."""
    values = forward_transform(flat, transform)
    loc, scale = segment_stats(values, lengths)
    return (values - np.repeat(loc, lengths)) / np.repeat(scale, lengths), loc, scale


def unscale(scaled: F64, loc: F64, scale: F64, transform: str) -> F64:
    """Undo :func:`scale_packed` on arrays whose first axis is the series (any trailing axes)."""
    shape = (-1,) + (1,) * (scaled.ndim - 1)
    return inverse_transform(scaled * scale.reshape(shape) + loc.reshape(shape), transform)
