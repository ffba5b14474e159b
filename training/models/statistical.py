"""Classical references from statsforecast: SeasonalNaive, AutoETS and AutoARIMA.

These are local models: each series is fitted on the history it comes with, at
prediction time (statsforecast fits thousands of series per second), so an artifact
holds the configuration only. Quantiles come from statsforecast's prediction intervals:
level q < 0.5 is the lower bound of the central (1 - 2q) interval, q > 0.5 the upper
bound of the central (2q - 1) interval, and 0.5 the point forecast.

Series too short for the chosen model are forecast by the naive method (the last value, with
intervals from the one-step changes): SeasonalNaive needs more than one season, and AutoETS
fails on fewer points than its parameters need (statsforecast's ``fallback_model``). A series
with one observed value has no change to size an interval on: its quantiles other than the
median are NaN, as for the deep models' inputs with no observed value.

AutoETS and AutoARIMA are fitted on each series' latest ``max_history`` values (MAX_HISTORY
unless the hyperparameter says otherwise): their fit costs about a millisecond per value
(AutoARIMA several), so a 100,000-value history would take minutes, and values that old
change the forecast little.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS, Naive, SeasonalNaive

from training.errors import InvalidDataError, InvalidRequestError
from training.frequency import FREQUENCIES, DatetimeArray, Frequency
from training.models.base import F32, Forecast, check_packed, forecast_panel
from training.panel import Panel
from training.progress import CancelCheck, ProgressCallback, ProgressEvent
from training.scaling import ScalerStats, segment_stats
from training.windowing import offsets

STATISTICAL_TYPES = ("SEASONAL_NAIVE", "AUTO_ETS", "AUTO_ARIMA")
STATISTICAL_LEVELS = (1e-8, 1 - 1e-8)
"""The widest quantile levels a statistical model gives (see check_level)."""
MAX_HISTORY = 2500
"""Latest values per series an AutoETS or AutoARIMA fit uses by default (the demo sets' longest
series, weekly CO2, has 2,284)."""


class StatisticalForecaster:
    holds_interpreter = True  # statsforecast's compiled fits: AutoETS on 10,000 values kept it 0.9 s

    def __init__(self, model_type: str, hyperparameters: dict[str, Any]) -> None:
        if model_type not in STATISTICAL_TYPES:
            raise ValueError(f"not a statistical model type: {model_type}")
        self.model_type = model_type
        self.hp = dict(hyperparameters)
        self.horizon = 0
        self.frequency: Frequency | None = None
        self.scaler: ScalerStats | None = None

    @property
    def season_length(self) -> int:
        assert self.frequency is not None
        return int(self.hp.get("season_length") or 0) or self.frequency.season_length

    def _model(self, season: int, longest: int = 0) -> Any:
        if self.model_type == "SEASONAL_NAIVE":
            return SeasonalNaive(season_length=season)
        if self.model_type == "AUTO_ETS":
            damped = {"auto": None, "true": True, "false": False}[str(self.hp.get("damped", "auto"))]
            return AutoETS(season_length=season, model=str(self.hp.get("model", "ZZZ")), damped=damped)
        approximation = {"auto": longest > 150 or season > 12, "true": True, "false": False}[
            str(self.hp.get("approximation", "auto"))
        ]
        return AutoARIMA(
            season_length=season,
            approximation=approximation,
            max_p=int(self.hp.get("max_p", 5)),
            max_q=int(self.hp.get("max_q", 5)),
            stepwise=bool(self.hp.get("stepwise", True)),
        )

    def fit(
        self,
        panel: Panel,
        horizon: int,
        on_epoch: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> None:
        """Records frequency and horizon; local models are fitted per request."""
        del should_cancel
        if horizon < 1:
            raise InvalidRequestError("horizon must be at least 1")
        self.horizon, self.frequency = horizon, panel.frequency
        values, lengths = panel.packed()
        loc, scale = segment_stats(values.astype(np.float64), lengths)
        self.scaler = ScalerStats("none", panel.series_ids, loc, scale)
        if on_epoch is not None:
            on_epoch(ProgressEvent(1, 1, 0.0, None, {}, 0.0))

    def predict_packed(
        self,
        values: F32,
        lengths: npt.NDArray[np.int32],
        horizon: int,
        quantiles: tuple[float, ...],
        last_timestamps: DatetimeArray | None = None,
    ) -> tuple[F32, F32]:
        del last_timestamps  # local models need no calendar
        check_packed(values, lengths, horizon)
        levels = np.asarray(quantiles, dtype=np.float64)
        for level in quantiles:
            check_level(level)
        history, keep = (values, lengths), int(self.hp.get("max_history", MAX_HISTORY))
        if self.model_type != "SEASONAL_NAIVE":
            values, lengths = _latest(values, lengths, keep)
        n, first = lengths.size, offsets(lengths)
        observed = _observed(values, lengths)
        if not observed.all():
            raise InvalidDataError(_no_observed_value(observed, *history, keep))
        ids = np.repeat(np.arange(n), lengths)
        df = pd.DataFrame(
            {
                "unique_id": ids,
                "ds": np.arange(values.size) - np.repeat(first, lengths),
                "y": values.astype(np.float64),
            }
        )
        if df["y"].isna().any():
            df["y"] = df.groupby("unique_id")["y"].transform(lambda s: s.interpolate(limit_direction="both"))
        widths = sorted({interval_width(q) for q in levels if q != 0.5})
        chosen = self._model(self.season_length, int(lengths.max()))
        short = lengths <= self.season_length if self.model_type == "SEASONAL_NAIVE" else np.zeros(n, bool)
        point = np.empty((n, horizon))
        bounds = np.empty((n, horizon, levels.size))
        for model, members in ((chosen, np.flatnonzero(~short)), (Naive(), np.flatnonzero(short))):
            if members.size:
                frame = df if members.size == n else df[df["unique_id"].isin(members)]
                point[members], bounds[members] = _forecast(frame, model, horizon, levels, widths)
        bounds[np.ix_(observed < 2, np.arange(horizon), levels != 0.5)] = np.nan
        return point.astype(np.float32), bounds.astype(np.float32)

    def predict(self, panel: Panel, horizon: int, quantiles: tuple[float, ...]) -> Forecast:
        return forecast_panel(self, panel, horizon, quantiles)

    def config(self) -> dict[str, Any]:
        assert self.frequency is not None
        return {
            "model_type": self.model_type,
            "hyperparameters": self.hp,
            "horizon": self.horizon,
            "frequency": self.frequency.name,
            "season_length": self.season_length,
        }

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "config.json").write_text(json.dumps(self.config(), indent=2, sort_keys=True))
        if self.scaler is not None:
            (directory / "scaler.json").write_text(json.dumps(self.scaler.to_json(), indent=1))

    @classmethod
    def load(cls, directory: Path) -> StatisticalForecaster:
        config = json.loads((directory / "config.json").read_text())
        model = cls(config["model_type"], config["hyperparameters"])
        model.horizon, model.frequency = int(config["horizon"]), FREQUENCIES[config["frequency"]]
        return model


def interval_width(level: float) -> float:
    """The central interval, in percent to statsforecast's six decimals, that ``level`` bounds."""
    return round(abs(2.0 * level - 1.0) * 100.0, 6)


def check_level(level: float) -> None:
    """A quantile level these models can give: 0.5, or one in STATISTICAL_LEVELS at least 1e-8 from
    0.5. statsforecast takes an interval in percent to six decimals and refuses 0% and 100%:
    1e-300 and 1 - 1e-16 round to 100%, 0.5 + 1e-10 to 0%."""
    if level == 0.5:
        return
    low, high = STATISTICAL_LEVELS
    if not low <= level <= high or abs(level - 0.5) < low:
        raise InvalidRequestError(
            f"quantile level {level!r}: a statistical model's levels are 0.5 or lie between "
            f"{low} and {high}, at least {low} from 0.5"
        )


def _observed(values: F32, lengths: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
    """The number of observed (not NaN) values of each series."""
    return np.add.reduceat((~np.isnan(values)).astype(np.int64), offsets(lengths))


def _no_observed_value(
    latest: npt.NDArray[np.int64], values: F32, lengths: npt.NDArray[np.int32], keep: int
) -> str:
    """Why a series has nothing to fit: no observed value at all, or none among the latest
    ``keep`` (``latest`` counts those per series) while it has older ones."""
    older = np.flatnonzero((latest == 0) & (_observed(values, lengths) > 0))
    if not older.size:
        return "a series has no observed value"
    return (
        f"series {int(older[0])} has no observed value among its latest {keep:,} values, "
        "the most this model fits on (hyperparameter max_history)"
    )


def _latest(values: F32, lengths: npt.NDArray[np.int32], keep: int) -> tuple[F32, npt.NDArray[np.int32]]:
    """Each series' latest ``keep`` values, packed as given."""
    if lengths.size == 0 or int(lengths.max()) <= keep:
        return values, lengths
    kept = np.minimum(lengths, keep).astype(np.int32)
    starts = offsets(lengths) + lengths - kept
    index = np.repeat(starts, kept) + np.arange(int(kept.sum())) - np.repeat(offsets(kept), kept)
    return values[index], kept


def _forecast(
    frame: pd.DataFrame, model: Any, horizon: int, levels: npt.NDArray[np.float64], widths: list[Any]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(point (n, h), quantiles (n, h, q)) of the series in ``frame``, in unique_id order."""
    name = repr(model)
    with warnings.catch_warnings():
        # AutoARIMA's search routinely tries orders whose optimiser stops early; it reports
        # each as a UserWarning and moves on to the next candidate.
        warnings.filterwarnings("ignore", message="possible convergence problem", category=UserWarning)
        result = StatsForecast(models=[model], freq=1, n_jobs=1, fallback_model=Naive()).forecast(
            df=frame, h=horizon, level=widths or None
        )
    result = result.sort_values(["unique_id", "ds"], kind="stable")
    point = result[name].to_numpy(np.float64).reshape(-1, horizon)
    columns = []
    for q in levels:
        if q == 0.5:
            columns.append(point)
            continue
        width = interval_width(q)
        side = "lo" if q < 0.5 else "hi"
        columns.append(result[f"{name}-{side}-{width}"].to_numpy(np.float64).reshape(-1, horizon))
    return point, np.stack(columns, axis=-1) if columns else np.empty((*point.shape, 0))
