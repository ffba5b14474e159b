"""Fitting the deep forecaster: seeded ensemble members with early stopping, the optional
refit on every window, and the conformal calibration of the intervals they serve.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from training.calibration import MIN_WINDOWS_PER_STEP, step_scales, width_ratios
from training.errors import InvalidRequestError, TrainingError
from training.features import build_inputs
from training.panel import Panel
from training.progress import CancelCheck, ProgressCallback, ignore_progress, never_cancel
from training.scaling import ScalerStats, resolve_transform, scale_packed
from training.trainer import LoopConfig, ProgressClock, fit_network, predict_batches, seed_everything
from training.windowing import last_windows, training_windows, validation_holdout

if TYPE_CHECKING:
    from training.models.deep import DeepForecaster


def ensemble_outputs(nets: list[nn.Module], inputs: dict[str, torch.Tensor]) -> npt.NDArray[np.float64]:
    """The mean of the networks' sorted quantile outputs (windows, steps, Q)."""
    outputs = torch.stack([predict_batches(net, inputs).sort(dim=-1).values for net in nets]).mean(0)
    result: npt.NDArray[np.float64] = outputs.double().numpy()
    return result


def resolve_level_input(setting: str, series: int) -> bool:
    """``level_input`` as trained: "auto" gives the window level to a network trained on one
    series and not to one trained on a panel (``training/README.md`` has the figures)."""
    return series == 1 if setting == "auto" else setting == "true"


def auto_lookback(horizon: int, season_length: int) -> int:
    return max(2 * horizon, 3 * season_length, 8)


def min_context(lookback: int) -> int:
    """Fewest past points a training window has: a quarter of the lookback, at least 2."""
    return min(lookback, max(2, lookback // 4))


def shortest_trainable(horizon: int, lookback: int, season_length: int) -> int:
    """Fewest points the longest series needs for one training window and one validation
    window of ``horizon`` (``lookback`` 0: the automatic one)."""
    return min_context(lookback or auto_lookback(horizon, season_length)) + 2 * horizon


def fit_ensemble(
    model: DeepForecaster,
    panel: Panel,
    horizon: int,
    on_epoch: ProgressCallback | None,
    should_cancel: CancelCheck | None,
) -> None:
    """Train ``model``'s ensemble on ``panel`` and set what it forecasts with (``DeepForecaster.fit``)."""
    if horizon < 1:
        raise InvalidRequestError("horizon must be at least 1")
    model.horizon, model.frequency = horizon, panel.frequency
    model.lookback = int(model.hp["lookback"]) or auto_lookback(horizon, panel.frequency.season_length)
    model.level_input = resolve_level_input(str(model.hp["level_input"]), len(panel))
    values, lengths = panel.packed()
    model.transform = resolve_transform(str(model.hp["target_transform"]), values)
    scaled, loc, scale = scale_packed(values, lengths, model.transform)
    model.scaler = ScalerStats(model.transform, panel.series_ids, loc, scale)
    model.end_timestamp = panel.last_timestamps.max()
    context = min_context(model.lookback)
    # A single series gives one validation window: a dozen calibration scores, whose
    # finite-sample conformal level (11 of 12) widens every interval. Rolling origins give more.
    holdout = validation_holdout(lengths, horizon, context, MIN_WINDOWS_PER_STEP)
    train_w, val_w = training_windows(lengths, model.lookback, horizon, context, holdout=holdout)
    if train_w.series.size == 0:
        raise TrainingError(
            f"no training window: series need at least {context + 2 * horizon} points "
            f"for lookback {model.lookback} and horizon {horizon}"
        )
    build = {
        "scaled": scaled,
        "lengths": lengths,
        "series_scale": scale,
        "anchors": panel.starts,
        "level_input": model.level_input,
    }
    common = {"freq": panel.frequency, "lookback": model.lookback, "horizon": horizon, "with_target": True}
    train = build_inputs(**build, windows=train_w, **common).tensors  # type: ignore[arg-type]
    val = build_inputs(**build, windows=val_w, **common).tensors if val_w.series.size else None  # type: ignore[arg-type]
    config = LoopConfig(
        max_epochs=int(model.hp["max_epochs"]),
        patience=int(model.hp["patience"]),
        learning_rate=float(model.hp["learning_rate"]),
        batch_size=int(model.hp["batch_size"]),
        weight_decay=float(model.hp["weight_decay"]),
        windows_per_epoch=int(model.hp["windows_per_epoch"]),
    )
    members = int(model.hp["ensemble_size"])
    clock = ProgressClock(
        members * config.max_epochs, on_epoch or ignore_progress, should_cancel or never_cancel
    )
    levels = torch.tensor(model.levels, dtype=torch.float32)
    model.nets, runs = [], []
    refitting = val is not None and bool(model.hp["refit_full"])
    full: dict[str, torch.Tensor] | None = None  # every window, for the refit
    scored: list[nn.Module] = []  # the networks whose validation outputs calibrate
    for member in range(members):
        seed = int(model.hp["seed"]) + member
        seed_everything(seed)
        net = model.new_net()
        result = fit_network(net, train, val, levels, config, seed, clock)
        if val is not None:
            scored.append(net)
        if refitting:
            # Retrain for the best epoch count on every window of the series: the validation
            # ones and those whose target straddles the split too, the most recent of all.
            seed_everything(seed)
            net = model.new_net()
            if full is None:
                full_w, _ = training_windows(lengths, model.lookback, horizon, context, holdout=0)
                full = build_inputs(**build, windows=full_w, **common).tensors  # type: ignore[arg-type]
            refit = replace(config, max_epochs=max(result.best_epoch, 1), patience=config.max_epochs)
            clock.total_epochs += refit.max_epochs
            fit_network(net, full, None, levels, refit, seed, clock)
        model.nets.append(net)
        runs.append({"seed": seed, "best_epoch": result.best_epoch, "best_loss": result.best_loss})
    model.interval_scales = np.ones(horizon)
    calibration: dict[str, list[float]] = {}
    if val is not None and bool(model.hp["calibrate_intervals"]):
        outputs = ensemble_outputs(scored, val)
        conformal = step_scales(outputs, val["target"].double().numpy(), model.levels)
        ratios = np.ones(horizon)
        if refitting:  # the refitted networks serve: carry the factors over (training.calibration)
            origin = {**common, "windows": last_windows(lengths), "with_target": False}
            forecast = build_inputs(**build, **origin).tensors  # type: ignore[arg-type]
            ratios = width_ratios(
                ensemble_outputs(scored, forecast), ensemble_outputs(model.nets, forecast), model.levels
            )
        model.interval_scales = conformal * ratios
        calibration = {
            "conformal_scales": conformal.round(4).tolist(),
            "width_ratios": ratios.round(4).tolist(),
        }
    model.fit_summary = {
        **calibration,
        "interval_scales": model.interval_scales.round(4).tolist(),
        "train_windows": int(train_w.series.size),
        "val_windows": int(val_w.series.size),
        "lookback": model.lookback,
        "transform": model.transform,
        "members": runs,
    }
