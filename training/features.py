"""Model inputs for the deep forecasters, built for a whole batch of windows at once.

Each window is normalised by its own context (mean and std of the observed lookback
values, on top of the per-series scaling) so one global network serves series of any
level and trend. Known inputs per step: calendar features plus the relative position in
the window. Static inputs per window: context log scale, observed share, the log scale of
the whole series and, with ``level_input``, the context location (where the window's level
sits within its series: on a trending series the latest windows lie beyond every training
window's value, so networks given it can extrapolate badly exactly where they forecast).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch

from training.calendar import calendar_features
from training.frequency import DatetimeArray, Frequency
from training.windowing import Windows, gather_context, gather_target, window_norm

F32 = npt.NDArray[np.float32]


def n_static(level_input: bool) -> int:
    return 4 if level_input else 3


def n_known(freq: Frequency) -> int:
    return int(calendar_features(freq, np.array(["2000-01-01"], dtype="datetime64[D]")).shape[-1]) + 1


@dataclass(frozen=True)
class WindowInputs:
    tensors: dict[str, torch.Tensor]
    loc: F32  # window location, in per-series scaled units
    scale: F32


def build_inputs(
    scaled: npt.NDArray[np.float64],
    lengths: npt.NDArray[np.int32],
    series_scale: npt.NDArray[np.float64],
    anchors: DatetimeArray,
    freq: Frequency,
    windows: Windows,
    lookback: int,
    horizon: int,
    with_target: bool,
    *,
    level_input: bool,
) -> WindowInputs:
    """Tensors for the networks; ``anchors`` is the timestamp of index 0 of each series."""
    context, mask = gather_context(scaled, lengths, windows, lookback)
    loc, scale = window_norm(context, mask)
    past = (context - loc[:, None]) / scale[:, None] * mask
    # A window's known inputs depend only on when it starts, so each distinct start is computed
    # once (a forecast's windows usually all start at the same time).
    first = freq.shift(anchors[windows.series], windows.origin - lookback)
    if first.size and (first == first[0]).all():
        starts, which = first[:1], np.zeros(first.size, np.intp)  # np.unique costs 30 us more
    else:
        starts, which = np.unique(first, return_inverse=True)
    known = (
        _known_inputs(freq, int(starts[0].astype(np.int64)), lookback, horizon)[None]
        if starts.size == 1
        else _known_of(freq, starts, lookback, horizon)
    )
    columns = [np.log(scale), mask.mean(axis=1), np.log(series_scale[windows.series]).astype(np.float32)]
    static = np.stack([loc, *columns] if level_input else columns, axis=1).astype(np.float32)
    tensors = {
        "past_value": torch.from_numpy(past.astype(np.float32)),
        "past_mask": torch.from_numpy(mask),
        "past_known": torch.from_numpy(known[:, :lookback][which]),
        "future_known": torch.from_numpy(known[:, lookback:][which]),
        "static": torch.from_numpy(static),
    }
    if with_target:
        target = gather_target(scaled, lengths, windows, horizon)
        tensors["target"] = torch.from_numpy(((target - loc[:, None]) / scale[:, None]).astype(np.float32))
    return WindowInputs(tensors, loc, scale)


def _known_of(freq: Frequency, starts: DatetimeArray, lookback: int, horizon: int) -> F32:
    """The known inputs of windows starting at ``starts``: (starts, lookback + horizon, n_known)."""
    stamps = freq.shift(starts[:, None], np.arange(lookback + horizon)[None, :])
    relative = ((np.arange(lookback + horizon) - lookback + 1) / max(horizon, 1)).astype(np.float32)
    known: F32 = np.concatenate(
        [calendar_features(freq, stamps), np.broadcast_to(relative, stamps.shape)[..., None]], axis=-1
    ).astype(np.float32, copy=False)
    return known


@functools.lru_cache(maxsize=1024)
def _known_inputs(freq: Frequency, start: int, lookback: int, horizon: int) -> F32:
    """:func:`_known_of` for one start (in ``freq``'s units since the epoch), kept: the windows
    of a forecast usually all start at the same time, and forecasts made together as well."""
    start_time = np.array([start], dtype=f"datetime64[{freq.unit}]")
    known: F32 = _known_of(freq, start_time, lookback, horizon)[0]
    known.flags.writeable = False
    return known
