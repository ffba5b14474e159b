"""Quantile levels, the pinball loss, and interpolation to levels that were not trained."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch

from training.errors import InvalidRequestError

TRAINED_QUANTILES: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def pinball_loss(pred: torch.Tensor, target: torch.Tensor, quantiles: torch.Tensor) -> torch.Tensor:
    """Mean pinball (quantile) loss; ``pred`` is (..., Q), ``target`` is (...)."""
    diff = target.unsqueeze(-1) - pred
    return torch.maximum(quantiles * diff, (quantiles - 1.0) * diff).mean()


def pinball_numpy(pred: npt.NDArray[np.floating], target: npt.NDArray[np.floating], q: float) -> float:
    diff = np.asarray(target, dtype=np.float64) - np.asarray(pred, dtype=np.float64)
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff)))


def validate_quantiles(requested: Sequence[float], trained: Sequence[float]) -> npt.NDArray[np.float64]:
    """Requested levels as an array; each must lie in (0, 1) and within the trained range."""
    levels = np.asarray(requested, dtype=np.float64).reshape(-1)
    low, high = min(trained), max(trained)
    for q in levels:
        if not (0.0 < q < 1.0) or np.isnan(q):
            raise InvalidRequestError(f"quantile {q} must be strictly between 0 and 1")
        if q < low - 1e-12 or q > high + 1e-12:
            raise InvalidRequestError(f"quantile {q} is outside the trained range [{low}, {high}]")
    return levels


@functools.lru_cache(maxsize=256)
def _interpolation(
    trained: tuple[float, ...], requested: tuple[float, ...]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """For each requested level: the trained levels below and above it and the weight of the
    upper one. Cached: a server interpolates the same few level sets on every forward pass."""
    levels = validate_quantiles(requested, trained)
    grid = np.asarray(trained, dtype=np.float64)
    upper = np.clip(np.searchsorted(grid, levels, side="left"), 1, grid.size - 1)
    lower = upper - 1
    weight = np.clip((levels - grid[lower]) / (grid[upper] - grid[lower]), 0.0, 1.0)
    weight = np.where(np.isclose(levels, grid[lower]), 0.0, weight)
    for array in (lower, upper, weight):
        array.flags.writeable = False  # shared by every caller
    return lower, upper, weight


def check_interpolation(trained: Sequence[float], requested: Sequence[float]) -> None:
    """Raise InvalidRequestError when interpolate_quantiles would refuse these levels."""
    _interpolation(tuple(map(float, trained)), tuple(map(float, requested)))


def interpolate_quantiles(
    values: npt.NDArray[np.floating], trained: Sequence[float], requested: Sequence[float]
) -> npt.NDArray[np.float32]:
    """Forecasts at ``requested`` levels from forecasts at ``trained`` levels (last axis).

    A level between two trained ones is the linear interpolation (in level) of their
    forecasts; trained levels are returned exactly; levels outside the trained range raise
    :class:`InvalidRequestError` rather than extrapolate.
    """
    pick = level_pick(tuple(map(float, trained)), tuple(map(float, requested)))
    return interpolate_picked(np.asarray(values)[..., pick.columns], pick)


@dataclass(frozen=True)
class LevelPick:
    """The trained levels that interpolating to some requested levels reads: ``columns``
    (ascending indices into the trained levels), and for each requested level the positions in
    ``columns`` of the levels below and above it and the weight of the upper one. ``kept`` is
    the position of the level asked to be kept besides (a forecaster's median)."""

    columns: npt.NDArray[np.intp]
    lower: npt.NDArray[np.intp]
    upper: npt.NDArray[np.intp]
    weight: npt.NDArray[np.float64]
    kept: int


@functools.lru_cache(maxsize=256)
def level_pick(trained: tuple[float, ...], requested: tuple[float, ...], keep: int = 0) -> LevelPick:
    """What interpolating ``requested`` from ``trained`` reads, with trained level ``keep`` too.
    Cached, like the interpolation: a forecaster can then carry on only these levels after its
    pass (a handful of the thirteen trained) and leave the rest."""
    lower, upper, weight = _interpolation(trained, requested)
    columns = np.union1d(np.concatenate([lower, upper]), [keep]).astype(np.intp)
    pick = LevelPick(
        columns,
        np.searchsorted(columns, lower),
        np.searchsorted(columns, upper),
        weight,
        int(np.searchsorted(columns, keep)),
    )
    for array in (pick.columns, pick.lower, pick.upper, pick.weight):
        array.flags.writeable = False  # shared by every caller
    return pick


def interpolate_picked(picked: npt.NDArray[np.floating], pick: LevelPick) -> npt.NDArray[np.float32]:
    """interpolate_quantiles on forecasts at the trained levels ``pick.columns`` only."""
    src = np.asarray(picked, dtype=np.float64)
    out = src[..., pick.lower] * (1.0 - pick.weight) + src[..., pick.upper] * pick.weight
    return out.astype(np.float32)
