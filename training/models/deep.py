"""Global deep forecasters (LSTM, TFT): one network trained on windows from every series.

An ensemble of ``ensemble_size`` networks with consecutive seeds is trained; forecasts
average their quantiles. Inference for a whole request is one forward pass per member.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from training.errors import InvalidRequestError, TrainingError
from training.features import build_inputs, n_known, n_static
from training.frequency import FREQUENCIES, DatetimeArray, Frequency
from training.models.base import F32, Forecast, check_packed, forecast_panel
from training.models.deep_fit import fit_ensemble
from training.models.lstm import LSTMNet
from training.models.tft import TFTNet
from training.panel import Panel
from training.progress import CancelCheck, ProgressCallback
from training.quantiles import TRAINED_QUANTILES, check_interpolation, interpolate_picked, level_pick
from training.scaling import ScalerStats, inverse_transform, scale_packed
from training.trainer import torch_threads
from training.windowing import last_windows

CHUNK = 8192


class DeepForecaster:
    """LSTM or TFT behind the :class:`Forecaster` interface."""

    holds_interpreter = False  # torch releases the lock inside its kernels

    def __init__(self, model_type: str, hyperparameters: dict[str, Any], train_threads: int = 1) -> None:
        if model_type not in ("LSTM", "TFT"):
            raise ValueError(f"not a deep model type: {model_type}")
        self.model_type = model_type
        self.hp = dict(hyperparameters)
        self.train_threads = train_threads
        self.horizon = 0
        self.lookback = 0
        self.transform = "none"
        self.frequency: Frequency | None = None
        self.end_timestamp: np.datetime64 | None = None
        self.levels: tuple[float, ...] = TRAINED_QUANTILES
        self.nets: list[nn.Module] = []
        self.scaler: ScalerStats | None = None
        self.fit_summary: dict[str, Any] = {}
        self.interval_scales = np.ones(0)
        self.level_input = True  # the window level as a static input; fit resolves "auto"

    # -- construction -------------------------------------------------------------------
    def new_net(self) -> nn.Module:
        assert self.frequency is not None
        hidden = int(self.hp["hidden_size"])
        static = n_static(self.level_input)
        sizes = (self.horizon, n_known(self.frequency), static, len(self.levels), hidden)
        dropout, layers = float(self.hp["dropout"]), int(self.hp["num_layers"])
        # Artifacts from before a setting existed load with it off.
        last = bool(self.hp.get("anchor_last", False))
        season = self.frequency.season_length if self.hp.get("anchor_season", False) else 0
        if self.model_type == "LSTM":
            return LSTMNet(*sizes, layers, dropout, anchor_last=last, anchor_season=season)
        heads = int(self.hp["attention_heads"])
        return TFTNet(*sizes, heads, dropout, layers, anchor_last=last, anchor_season=season)

    # -- training -------------------------------------------------------------------------
    def fit(
        self,
        panel: Panel,
        horizon: int,
        on_epoch: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> None:
        """Train the ensemble with at most ``train_threads`` torch threads."""
        with torch_threads(self.train_threads):
            fit_ensemble(self, panel, horizon, on_epoch, should_cancel)

    # -- inference --------------------------------------------------------------------------
    def predict_packed(
        self,
        values: F32,
        lengths: npt.NDArray[np.int32],
        horizon: int,
        quantiles: tuple[float, ...],
        last_timestamps: DatetimeArray | None = None,
    ) -> tuple[F32, F32]:
        if not self.nets or self.frequency is None:
            raise TrainingError("the model is not trained")
        check_packed(values, lengths, horizon, last_timestamps)
        if horizon > self.horizon:
            raise InvalidRequestError(f"horizon {horizon} exceeds the trained horizon {self.horizon}")
        lengths = lengths.astype(np.int32)
        check_interpolation(self.levels, quantiles)  # before the pass, not after it
        if last_timestamps is None:
            last_timestamps = np.full(lengths.size, self.end_timestamp)
        anchors = self.frequency.shift(np.asarray(last_timestamps), 1 - lengths.astype(np.int64))
        scaled, loc, scale = scale_packed(values, lengths, self.transform)
        windows = last_windows(lengths)
        inputs = build_inputs(
            scaled,
            lengths,
            scale,
            anchors,
            self.frequency,
            windows,
            self.lookback,
            self.horizon,
            False,
            level_input=self.level_input,
        )
        outputs = np.zeros((lengths.size, self.horizon, len(self.levels)), dtype=np.float64)
        with torch.inference_mode():  # lighter than no_grad: no version counters or views tracked
            for net in self.nets:
                if net.training:  # eval() walks every submodule: not on each request
                    net.eval()
                for start in range(0, lengths.size, CHUNK):
                    part = {k: v[start : start + CHUNK] for k, v in inputs.tensors.items()}
                    outputs[start : start + CHUNK] += net(part).double().numpy()
        outputs /= len(self.nets)
        outputs.sort(axis=-1)  # quantiles must not cross
        # Every step below maps each level alike, so only the levels the answer reads (the
        # median and the neighbours of the requested quantiles) are carried on.
        pick = level_pick(self.levels, tuple(map(float, quantiles)), self.levels.index(0.5))
        outputs = outputs[:, :horizon, pick.columns]
        median = outputs[..., pick.kept, None]
        outputs = median + self.interval_scales[None, :horizon, None] * (outputs - median)
        shaped = outputs * inputs.scale[:, None, None] + inputs.loc[:, None, None]
        shaped = shaped * scale[:, None, None] + loc[:, None, None]
        shaped = inverse_transform(shaped, self.transform)
        point = shaped[..., pick.kept].astype(np.float32)
        return point, interpolate_picked(shaped, pick)

    def predict(self, panel: Panel, horizon: int, quantiles: tuple[float, ...]) -> Forecast:
        return forecast_panel(self, panel, horizon, quantiles)

    # -- persistence --------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        assert self.frequency is not None
        return {
            "model_type": self.model_type,
            "hyperparameters": self.hp,
            "horizon": self.horizon,
            "lookback": self.lookback,
            "transform": self.transform,
            "frequency": self.frequency.name,
            "end_timestamp": str(self.end_timestamp),
            "quantile_levels": list(self.levels),
            "ensemble_size": len(self.nets),
            "level_input": self.level_input,
            "interval_scales": self.interval_scales.tolist(),
            "fit_summary": self.fit_summary,
        }

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "config.json").write_text(json.dumps(self.config(), indent=2, sort_keys=True))
        torch.save([net.state_dict() for net in self.nets], directory / "weights.pt")
        if self.scaler is not None:
            (directory / "scaler.json").write_text(json.dumps(self.scaler.to_json(), indent=1))

    @classmethod
    def load(cls, directory: Path) -> DeepForecaster:
        config = json.loads((directory / "config.json").read_text())
        model = cls(config["model_type"], config["hyperparameters"])
        model.horizon, model.lookback = int(config["horizon"]), int(config["lookback"])
        model.transform, model.frequency = config["transform"], FREQUENCIES[config["frequency"]]
        model.end_timestamp = np.datetime64(config["end_timestamp"])
        model.levels = tuple(float(q) for q in config["quantile_levels"])
        model.fit_summary = config.get("fit_summary", {})
        model.level_input = bool(config.get("level_input", True))  # saved before it was a setting: on
        model.interval_scales = np.broadcast_to(
            np.asarray(config.get("interval_scales", config.get("interval_scale", 1.0)), np.float64),
            model.horizon,
        ).copy()
        states = torch.load(directory / "weights.pt", weights_only=True)
        for state in states:
            net = model.new_net()
            net.load_state_dict(state)
            net.eval()
            model.nets.append(net)
        scaler_path = directory / "scaler.json"
        if scaler_path.exists():
            model.scaler = ScalerStats.from_json(json.loads(scaler_path.read_text()))
        return model
