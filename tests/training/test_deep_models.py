from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import training.models.deep_fit as deep_fit
from training.errors import InvalidRequestError, TrainingCancelled, TrainingError
from training.metrics import mase
from training.models.anchoring import season_ago
from training.models.deep import DeepForecaster
from training.models.lstm import LSTMNet
from training.models.tft import TFTNet
from training.panel import Panel
from training.progress import ProgressEvent
from training.registry import create_forecaster
from training.trainer import Batch, LoopConfig, ProgressClock, fit_network

from .conftest import FAST


def _sine_panel(n: int = 240) -> Panel:
    t = np.arange(n)
    frames = [
        pd.DataFrame(
            {
                "series_id": f"s{k}",
                "timestamp": pd.date_range("2000-01-01", periods=n, freq="D"),
                "value": 10 + (k + 1) * np.sin(2 * np.pi * t / 7 + k),
            }
        )
        for k in range(3)
    ]
    return Panel.from_long(pd.concat(frames))


def test_lstm_learns_a_sine() -> None:
    panel = _sine_panel()
    train, actual = panel.split(7)
    model = create_forecaster("LSTM", {**FAST, "max_epochs": 40, "patience": 40, "learning_rate": 1e-2})
    model.fit(train, 7)
    forecast = model.predict(train, 7, (0.1, 0.5, 0.9))
    # A perfect periodic signal: the seasonal naive scale is 0, so compare with the amplitude.
    error = np.abs(forecast.point - actual).mean(axis=1) / np.array([1.0, 2.0, 3.0])
    assert error.max() < 0.15, error


def test_same_seed_same_model_other_seed_other_model(air: Panel) -> None:
    train, _ = air.split(12)
    runs = []
    for seed in (3, 3, 4):
        model = create_forecaster("LSTM", {**FAST, "max_epochs": 3, "seed": seed})
        model.fit(train, 12)
        runs.append(model.predict(train, 12, (0.5,)).point)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_the_refit_trains_on_every_window_of_the_series(air: Panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Early stopping holds out the last points (a single series: twelve rolling validation
    origins); the refit then learns from all of the series, the windows whose target straddles
    that split included (the most recent ones)."""
    seen: list[tuple[int, int]] = []

    def spy(net: torch.nn.Module, train: Batch, val: Batch | None, *args: Any, **kwargs: Any) -> Any:
        seen.append((len(train["target"]), 0 if val is None else len(val["target"])))
        return fit_network(net, train, val, *args, **kwargs)

    monkeypatch.setattr(deep_fit, "fit_network", spy)
    train, _ = air.split(12)  # 132 months
    model = create_forecaster("LSTM", {**FAST, "max_epochs": 2, "refit_full": True, "lookback": 36})
    model.fit(train, 12)
    min_context = 9  # a quarter of the lookback
    # Early stopping: targets ending by month 109, validation windows from origins 109 to 120
    # (targets in months 110-132). Refit: every origin from min_context to 132 - 12.
    assert seen == [(109 - 12 - min_context + 1, 12), (132 - 12 - min_context + 1, 0)]


def test_refitted_networks_get_the_calibration_carried_over(air: Panel) -> None:
    """The conformal factors are measured on the networks trained before the refit; the served
    factors are those times the ratio of the two ensembles' interval widths at the forecast origin."""
    train, _ = air.split(12)
    kept = create_forecaster("LSTM", {**FAST, "max_epochs": 4, "ensemble_size": 2})
    kept.fit(train, 12)
    assert kept.fit_summary["width_ratios"] == [1.0] * 12  # no refit: served nets are the scored ones
    refitted = create_forecaster("LSTM", {**FAST, "max_epochs": 4, "ensemble_size": 2, "refit_full": True})
    refitted.fit(train, 12)
    summary = refitted.fit_summary
    ratios, conformal = np.array(summary["width_ratios"]), np.array(summary["conformal_scales"])
    assert np.all(ratios > 0) and not np.allclose(ratios, 1.0)
    np.testing.assert_allclose(summary["conformal_scales"], kept.fit_summary["conformal_scales"])
    np.testing.assert_allclose(refitted.interval_scales, conformal * ratios, rtol=1e-3)


def test_progress_events_and_cancellation(air: Panel) -> None:
    events: list[ProgressEvent] = []
    model = create_forecaster("LSTM", {**FAST, "max_epochs": 4, "patience": 10, "ensemble_size": 2})
    model.fit(air.split(12)[0], 12, on_epoch=events.append)
    assert [e.epoch for e in events] == list(range(1, 9))
    assert all(e.total_epochs == 8 for e in events)
    assert all(e.val_loss is not None and e.train_loss > 0 and e.eta_seconds >= 0 for e in events)
    assert events[-1].eta_seconds == 0.0 and "best_loss" in events[-1].metrics

    calls = iter(range(1000))
    with pytest.raises(TrainingCancelled):
        create_forecaster("LSTM", FAST).fit(air, 12, should_cancel=lambda: next(calls) >= 5)


def test_predict_packed_handles_ragged_batches(trained_lstm: DeepForecaster, air: Panel) -> None:
    full = air.values[0].astype(np.float32)
    values = np.concatenate([full[:132], full[:20], full[:3]])
    lengths = np.array([132, 20, 3], dtype=np.int32)
    point, q = trained_lstm.predict_packed(values, lengths, 12, (0.05, 0.15, 0.5, 0.9))
    assert point.shape == (3, 12) and q.shape == (3, 12, 4) and q.dtype == np.float32
    assert np.all(np.diff(q, axis=-1) >= 0)  # quantiles do not cross
    np.testing.assert_array_equal(q[..., 2], point)
    alone, _ = trained_lstm.predict_packed(full[:132], np.array([132], np.int32), 12, (0.5,))
    np.testing.assert_allclose(alone[0], point[0], rtol=1e-6)  # batching does not change a series
    # 0.15 lies halfway between the trained 0.1 and 0.2.
    _, grid = trained_lstm.predict_packed(full[:132], np.array([132], np.int32), 12, (0.1, 0.15, 0.2))
    np.testing.assert_allclose(grid[..., 1], (grid[..., 0] + grid[..., 2]) / 2, rtol=1e-5)


def test_requested_levels_are_the_trained_ones_picked_and_interpolated(
    trained_lstm: DeepForecaster, air: Panel
) -> None:
    full = air.values[0].astype(np.float32)
    values, lengths = np.concatenate([full, full[:60]]), np.array([full.size, 60], np.int32)
    levels = trained_lstm.levels
    point, every = trained_lstm.predict_packed(values, lengths, 12, levels)
    np.testing.assert_array_equal(every[..., levels.index(0.5)], point)
    for requested in [(0.1, 0.9), (0.05, 0.95), (0.99,), (0.01, 0.5)]:
        some_point, some = trained_lstm.predict_packed(values, lengths, 7, requested)
        np.testing.assert_array_equal(some_point, point[:, :7])
        np.testing.assert_array_equal(some, every[:, :7, [levels.index(q) for q in requested]])
    _, between = trained_lstm.predict_packed(values, lengths, 12, (0.25,))  # from 0.2 and 0.3 alone
    low, high = every[..., levels.index(0.2)], every[..., levels.index(0.3)]
    np.testing.assert_allclose(between[..., 0], (low + high) / 2, rtol=1e-6)


def test_series_ending_at_different_times_are_answered_as_alone(
    trained_lstm: DeepForecaster, air: Panel
) -> None:
    full = air.values[0].astype(np.float32)
    ends = air.timestamps(0)[[-1, -7, -1, -40]].astype("datetime64[M]")
    values, lengths = np.concatenate([full] * 4), np.full(4, full.size, np.int32)
    point, q = trained_lstm.predict_packed(values, lengths, 12, (0.1, 0.9), ends)
    for i in range(ends.size):
        alone_point, alone_q = trained_lstm.predict_packed(full, lengths[:1], 12, (0.1, 0.9), ends[i : i + 1])
        np.testing.assert_allclose(alone_point[0], point[i], rtol=1e-6)
        np.testing.assert_allclose(alone_q[0], q[i], rtol=1e-6)
    assert not np.allclose(point[0], point[1])  # the calendar moved with the end


def test_predict_packed_rejects_bad_requests(trained_lstm: DeepForecaster) -> None:
    values, lengths = np.ones(30, np.float32), np.array([30], np.int32)
    with pytest.raises(InvalidRequestError, match="horizon"):
        trained_lstm.predict_packed(values, lengths, 13, (0.5,))
    with pytest.raises(InvalidRequestError, match="outside the trained range"):
        trained_lstm.predict_packed(values, lengths, 12, (0.001,))
    with pytest.raises(InvalidRequestError, match="lengths sum"):
        trained_lstm.predict_packed(values, np.array([29], np.int32), 12, (0.5,))
    with pytest.raises(ValueError, match="positive"):
        trained_lstm.predict_packed(-values, lengths, 12, (0.5,))
    with pytest.raises(InvalidRequestError, match="lengths must be integers"):
        trained_lstm.predict_packed(values, lengths.astype(np.float64), 12, (0.5,))  # type: ignore[arg-type]
    # The calendar of each series: one date each, none missing (not broadcast, not NaT features).
    two = np.array(["1960-12-01", "1961-12-01"], dtype="datetime64[ns]")
    with pytest.raises(InvalidRequestError, match="2 entries for 1 series"):
        trained_lstm.predict_packed(values, lengths, 12, (0.5,), two)
    with pytest.raises(InvalidRequestError, match="none NaT"):
        trained_lstm.predict_packed(values, lengths, 12, (0.5,), np.array(["NaT"], dtype="datetime64[ns]"))
    with pytest.raises(InvalidRequestError, match="datetime64"):
        trained_lstm.predict_packed(values, lengths, 12, (0.5,), np.array([0]))  # type: ignore[arg-type]


def test_a_panel_with_zeros_is_learnt_on_log1p_and_forecast_on_its_scale(air: Panel, tmp_path: Path) -> None:
    long = air.to_long()
    zeros = long["value"].where(long.index % 9 > 0, 0.0)
    counts = pd.concat([long, long.assign(series_id="counts", value=zeros)])
    train, actual = Panel.from_long(counts).split(12)
    model = create_forecaster("LSTM", {**FAST, "max_epochs": 3})
    assert isinstance(model, DeepForecaster)
    model.fit(train, 12)
    assert model.transform == "log1p"
    forecast = model.predict(train, 12, (0.1, 0.5, 0.9))
    # Back on the passengers' scale (hundreds), not log units.
    assert np.all(np.abs(np.log(forecast.point[0] / actual[0])) < 0.5)
    model.save(tmp_path / "counts")
    again = DeepForecaster.load(tmp_path / "counts")
    saved = model.predict(train, 12, (0.5,)).point
    np.testing.assert_array_equal(again.predict(train, 12, (0.5,)).point, saved)
    values, lengths = np.zeros(30, np.float32), np.array([30], np.int32)
    assert np.all(np.isfinite(model.predict_packed(values, lengths, 12, (0.5,))[0]))  # zeros are data
    with pytest.raises(ValueError, match="at least 0"):
        model.predict_packed(values - 1, lengths, 12, (0.5,))


def test_demo_lstm_trains_in_under_a_minute_and_beats_seasonal_naive(air: Panel) -> None:
    train, actual = air.split(12)
    model = create_forecaster("LSTM")  # the defaults, as the demo uses them
    started = time.perf_counter()
    model.fit(train, 12)
    assert time.perf_counter() - started < 60
    point = model.predict(train, 12, (0.5,)).point
    naive = np.tile(train.values[0][-12:], 1)
    scale_args = (train.values[0], 12)
    assert mase(actual[0], point[0], *scale_args) < mase(actual[0], naive, *scale_args)


def test_tft_forecasts_a_panel_and_attends_causally(trained_tft: DeepForecaster, fertility: Panel) -> None:
    forecast = trained_tft.predict(fertility, 6, (0.1, 0.5, 0.9))
    assert forecast.point.shape == (len(fertility), 6)
    assert np.all(np.isfinite(forecast.point)) and np.all(forecast.point > 0)
    net = trained_tft.nets[0]
    assert isinstance(net, TFTNet) and net.last_attention is not None
    attention = net.last_attention  # (series, horizon, lookback + horizon)
    torch.testing.assert_close(attention.sum(-1), torch.ones(attention.shape[:2]))
    lookback = trained_tft.lookback
    future = attention[:, :, lookback:]
    assert torch.all(future.triu(diagonal=1) == 0)  # step i never attends to steps after i


@pytest.mark.parametrize("net_type", [LSTMNet, TFTNet])
def test_anchored_networks_add_a_learned_share_of_each_windows_last_observed_value(
    net_type: type[nn.Module],
) -> None:
    torch.manual_seed(0)
    # horizon 3, 2 known inputs, 4 static, 5 quantiles, width 8, 2 layers (LSTM) or heads (TFT)
    net = net_type(3, 2, 4, 5, 8, 2, 0.0).eval()
    anchored = net_type(3, 2, 4, 5, 8, 2, 0.0, anchor_last=True).eval()
    missing, unexpected = anchored.load_state_dict(net.state_dict(), strict=False)
    assert (missing, unexpected) == (["anchor_weight"], [])
    values = torch.tensor([[0.5, -1.0, 2.0, 0.7], [1.5, 0.3, 9.9, 9.9], [9.9, 9.9, 9.9, 9.9]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    batch = {
        "past_value": values * mask,
        "past_mask": mask,
        "past_known": torch.randn(3, 4, 2),
        "future_known": torch.randn(3, 3, 2),
        "static": torch.randn(3, 4),
    }
    with torch.no_grad():
        offset = anchored(batch) - net(batch)
    # The last observed values: the final step, the second (the last two are missing), none.
    last = torch.tensor([0.7, 0.3, 0.0])[:, None, None].expand(3, 3, 5)
    torch.testing.assert_close(offset, last)
    # The weight on the last value is learned, starting at 1.
    with torch.no_grad():
        anchored.anchor_weight.fill_(0.5)
        torch.testing.assert_close(anchored(batch) - net(batch), 0.5 * last)


def test_season_ago_is_the_seasonal_naive_forecast_from_inside_the_window() -> None:
    values = torch.arange(6, dtype=torch.float32)[None].repeat(2, 1)
    mask = torch.ones(2, 6)
    mask[1, 3] = 0
    # Steps 1-6 with a season of 4 take the window's positions 2, 3, 4, 5, 2, 3.
    picked = season_ago(values, mask, 4, 6)
    torch.testing.assert_close(picked[0], torch.tensor([2.0, 3.0, 4.0, 5.0, 2.0, 3.0]))
    nan = float("nan")
    torch.testing.assert_close(picked[1], torch.tensor([2.0, nan, 4.0, 5.0, 2.0, nan]), equal_nan=True)
    # A season longer than the window: the first steps have no value a season back.
    torch.testing.assert_close(
        season_ago(values[:1], mask[:1], 8, 3), torch.tensor([[nan, nan, 0.0]]), equal_nan=True
    )


@pytest.mark.parametrize("net_type", [LSTMNet, TFTNet])
def test_the_seasonal_anchor_adds_a_learned_share_of_the_seasonal_naive_step_per_step(
    net_type: type[nn.Module],
) -> None:
    torch.manual_seed(0)
    anchored = net_type(3, 2, 4, 5, 8, 2, 0.0, anchor_last=True).eval()
    seasonal = net_type(3, 2, 4, 5, 8, 2, 0.0, anchor_last=True, anchor_season=2).eval()
    missing, unexpected = seasonal.load_state_dict(anchored.state_dict(), strict=False)
    assert (missing, unexpected) == (["season_weight"], [])
    values = torch.tensor([[0.5, -1.0, 2.0, 0.7], [1.5, 0.3, 9.9, 0.1]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0]])
    batch = {
        "past_value": values * mask,
        "past_mask": mask,
        "past_known": torch.randn(2, 4, 2),
        "future_known": torch.randn(2, 3, 2),
        "static": torch.randn(2, 4),
    }
    with torch.no_grad():
        torch.testing.assert_close(seasonal(batch), anchored(batch))  # starts as the last value alone
        seasonal.season_weight.copy_(torch.tensor([1.0, 0.5, 0.0]))
        offset = seasonal(batch) - anchored(batch)
    # Row 1: steps 1 and 2 take a season (2) back: 2.0 and 0.7 against the last value 0.7.
    # Row 2: the value 2 back is missing, so step 1 keeps the last value.
    expected = torch.tensor([[1.0 * (2.0 - 0.7), 0.5 * (0.7 - 0.7), 0.0], [0.0, 0.5 * (0.1 - 0.1), 0.0]])
    torch.testing.assert_close(offset, expected[..., None].expand(2, 3, 5))
    # Without the last-value anchor there is nothing to add the seasonal step to.
    assert not hasattr(net_type(3, 2, 4, 5, 8, 2, 0.0, anchor_season=2), "season_weight")


def test_an_lstm_saved_without_the_anchor_setting_loads_unanchored(air: Panel, tmp_path: Path) -> None:
    """Artifacts from before the setting existed keep their forecasts."""
    plain = create_forecaster("LSTM", {**FAST, "max_epochs": 2, "anchor_last": False})
    train = air.split(12)[0]
    plain.fit(train, 12)
    plain.save(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    del config["hyperparameters"]["anchor_last"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = DeepForecaster.load(tmp_path)
    assert not any(net.anchor_last for net in loaded.nets)
    np.testing.assert_array_equal(
        loaded.predict(train, 12, (0.5,)).point, plain.predict(train, 12, (0.5,)).point
    )


def test_a_network_whose_loss_is_never_finite_is_refused_not_kept_untrained() -> None:
    net = LSTMNet(2, 1, 1, 3, 4, 1, 0.0)
    windows = 8
    batch: Batch = {
        "past_value": torch.zeros(windows, 4),
        "past_mask": torch.ones(windows, 4),
        "past_known": torch.zeros(windows, 4, 1),
        "future_known": torch.zeros(windows, 2, 1),
        "static": torch.zeros(windows, 1),
        "target": torch.full((windows, 2), float("nan")),
    }
    config = LoopConfig(max_epochs=3, patience=2, learning_rate=1e-3, batch_size=4)
    clock = ProgressClock(3, lambda event: None, lambda: False)
    with pytest.raises(TrainingError, match="never finite in 2 epoch"):
        fit_network(net, batch, None, torch.tensor([0.1, 0.5, 0.9]), config, 0, clock)


@pytest.mark.parametrize(
    ("setting", "series", "expected"),
    [("auto", 1, True), ("auto", 2, False), ("auto", 427, False), ("true", 427, True), ("false", 1, False)],
)
def test_level_input_auto_keeps_the_window_level_for_a_single_series_only(
    setting: str, series: int, expected: bool
) -> None:
    assert deep_fit.resolve_level_input(setting, series) is expected
