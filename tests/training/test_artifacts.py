from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from training.artifacts import load_artifact, load_metrics, load_profile, save_artifact
from training.models.deep import DeepForecaster
from training.panel import Panel
from training.profile import ks, psi
from training.registry import create_forecaster

from .conftest import FAST

LEVELS = (0.05, 0.1, 0.5, 0.9, 0.95)


def _round_trip(model: object, panel: Panel, tmp_path: Path, horizon: int) -> None:
    assert hasattr(model, "predict_packed")
    save_artifact(model, tmp_path, panel=panel, metrics={"mase": 1.0})  # type: ignore[arg-type]
    loaded = load_artifact(tmp_path)
    values, lengths = panel.packed()
    stamps = panel.last_timestamps
    before = model.predict_packed(values, lengths, horizon, LEVELS, stamps)
    after = loaded.predict_packed(values, lengths, horizon, LEVELS, stamps)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert load_metrics(tmp_path) == {"mase": 1.0}


def test_lstm_artifact_round_trip_is_exact(trained_lstm: DeepForecaster, air: Panel, tmp_path: Path) -> None:
    _round_trip(trained_lstm, air, tmp_path, 12)
    assert {p.name for p in tmp_path.iterdir()} >= {
        "config.json",
        "weights.pt",
        "scaler.json",
        "profile.json",
        "metrics.json",
    }
    scaler = json.loads((tmp_path / "scaler.json").read_text())
    assert scaler["transform"] == "log" and set(scaler["series"]) == set(air.series_ids)


def test_tft_artifact_round_trip_is_exact(
    trained_tft: DeepForecaster, fertility: Panel, tmp_path: Path
) -> None:
    _round_trip(trained_tft, fertility, tmp_path, 6)


def test_a_seasonally_anchored_artifact_round_trips_with_its_learned_shares(
    air: Panel, tmp_path: Path
) -> None:
    model = create_forecaster("LSTM", {**FAST, "max_epochs": 3, "anchor_season": True})
    model.fit(air, 12)
    assert isinstance(model, DeepForecaster)
    shares = model.nets[0].season_weight.detach()
    # Trained away from 0, but for step 12, whose value a season back is the last one.
    assert bool(shares[:11].abs().gt(0).all()) and shares[11] == 0
    _round_trip(model, air, tmp_path, 12)
    loaded = load_artifact(tmp_path)
    assert isinstance(loaded, DeepForecaster)
    assert loaded.nets[0].anchor_season == 12
    assert torch.equal(loaded.nets[0].season_weight, shares)


def test_a_panel_model_leaves_the_level_input_out_and_round_trips(
    trained_lstm: DeepForecaster, fertility: Panel, tmp_path: Path
) -> None:
    model = create_forecaster("TFT", {**FAST, "max_epochs": 2})  # level_input "auto"
    model.fit(fertility, 6)
    assert isinstance(model, DeepForecaster) and not model.level_input
    assert model.nets[0].static_selection.embed_weight.shape[0] == 3  # window level left out
    _round_trip(model, fertility, tmp_path, 6)
    assert load_artifact(tmp_path).level_input is False  # type: ignore[attr-defined]
    assert trained_lstm.level_input  # "auto" on a single series (AirPassengers) keeps it


def test_an_artifact_from_before_the_level_setting_loads_with_the_level_input(
    air: Panel, tmp_path: Path
) -> None:
    trained = create_forecaster("LSTM", {**FAST, "max_epochs": 2, "level_input": "true"})
    trained.fit(air, 12)
    assert isinstance(trained, DeepForecaster)
    save_artifact(trained, tmp_path, panel=air)
    config = json.loads((tmp_path / "config.json").read_text())
    del config["level_input"], config["hyperparameters"]["level_input"]  # as saved before it existed
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = load_artifact(tmp_path)
    assert isinstance(loaded, DeepForecaster) and loaded.level_input
    values, lengths = air.packed()
    before = trained.predict_packed(values, lengths, 12, LEVELS, air.last_timestamps)
    after = loaded.predict_packed(values, lengths, 12, LEVELS, air.last_timestamps)
    np.testing.assert_array_equal(before[1], after[1])


def test_statistical_artifact_round_trip_is_exact(air: Panel, tmp_path: Path) -> None:
    model = create_forecaster("AUTO_ETS")
    model.fit(air, 12)
    _round_trip(model, air, tmp_path, 12)


def test_profile_detects_drift(trained_lstm: DeepForecaster, air: Panel, tmp_path: Path) -> None:
    save_artifact(trained_lstm, tmp_path, panel=air)
    profile = load_profile(tmp_path)
    assert set(profile) == {"value", "standardised", "change"}
    value = profile["value"]
    assert value.edges.size == 11 and value.counts.sum() == 144
    same = air.values[0]
    assert psi(value, same) < 0.01
    assert psi(value, same * 3) > 1.0
    statistic, pvalue = ks(value, same)
    assert statistic == 0.0 and pvalue == 1.0
    assert ks(value, same + 300)[1] < 1e-6
