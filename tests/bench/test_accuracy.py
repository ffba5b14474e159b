"""The accuracy benchmark's evaluation: the final horizon, or the mean over rolling origins."""

from __future__ import annotations

import pytest

from bench import accuracy
from training.backtest import holdout_evaluation
from training.registry import create_forecaster


def test_one_fold_is_the_final_horizon() -> None:
    data = accuracy.load("airpassengers")
    row = accuracy.evaluate("SEASONAL_NAIVE", {}, data, folds=1)
    final = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), data.panel, 12).metrics
    assert row["mase"] == pytest.approx(final["mase"]) and "coverage_by_origin" not in row


def test_folds_average_the_origins_and_keep_each_coverage() -> None:
    data = accuracy.load("airpassengers")
    row = accuracy.evaluate("SEASONAL_NAIVE", {}, data, folds=3)
    by_origin = row["coverage_by_origin"]
    assert len(by_origin) == 3 and row["coverage"] == pytest.approx(sum(by_origin) / 3)
    # The last origin is the final horizon; the earlier ones score other years.
    final = holdout_evaluation(create_forecaster("SEASONAL_NAIVE"), data.panel, 12).metrics
    assert by_origin[-1] == pytest.approx(final["coverage"])
    assert row["mase"] != pytest.approx(final["mase"])


def test_targets_name_each_failure() -> None:
    rows = [
        {"dataset": "fertility", "series": 198, "model": "TFT", "mase": 1.2, "coverage": 0.8},
        {"dataset": "fertility", "series": 198, "model": "LSTM", "mase": 1.6, "coverage": 0.6},
        {"dataset": "fertility", "series": 198, "model": "SEASONAL_NAIVE", "mase": 2.8, "coverage": 0.7},
        {"dataset": "fertility", "series": 198, "model": "AUTO_ETS", "mase": 1.7, "coverage": 0.6},
    ]
    lines = accuracy.check_targets(rows)
    assert [line.split()[0] for line in lines] == ["PASS", "PASS", "FAIL", "PASS"]
    assert "LSTM 80% coverage 0.600" in lines[2]


def test_the_tft_is_held_to_autoets_on_every_panel_and_not_on_a_single_series() -> None:
    rows = [
        {"dataset": name, "series": series, "model": model, "mase": mase, "coverage": 0.8}
        for name, series in (("airpassengers", 1), ("fertility", 198), ("tourism", 427))
        for model, mase in (("TFT", 1.6 if name == "tourism" else 1.0), ("AUTO_ETS", 1.5))
    ]
    panels = [line for line in accuracy.check_targets(rows) if "AutoETS" in line]
    assert panels == [
        "PASS fertility panel: TFT MASE 1.000 vs AutoETS 1.500",
        "FAIL tourism panel: TFT MASE 1.600 vs AutoETS 1.500",
    ]
