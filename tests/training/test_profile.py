"""The drift profile: decile bins, windows like the server's recent inputs, PSI and KS."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.panel import Panel
from training.profile import WINDOW, build_profile, feature_values, ks, psi, window_lengths


def test_bins_are_cut_at_the_training_deciles(air: Panel) -> None:
    profile = build_profile(air)
    for name, feature in profile.items():
        assert feature.edges.size == 11, name
        shares = feature.counts / feature.counts.sum()
        assert np.all(np.abs(shares - 0.1) < 0.03), (name, shares)
    assert profile["value"].size == 144


def test_a_constant_feature_still_has_a_bin() -> None:
    frame = pd.DataFrame(
        {"series_id": "s", "timestamp": pd.date_range("2000-01-01", periods=40, freq="MS"), "value": 7.0}
    )
    flat = Panel.from_long(frame, "monthly")
    value = build_profile(flat)["value"]
    assert value.edges.tolist() == [7.0, 8.0] and value.counts.tolist() == [40.0]
    assert psi(value, np.full(20, 7.0)) < 1e-9


def test_series_are_cut_into_windows_aligned_to_their_end() -> None:
    assert window_lengths(np.array([40, 16, 5], dtype=np.int32)).tolist() == [8, 16, 16, 16, 5]
    assert WINDOW == 16


def _features(windows: list[np.ndarray]) -> dict[str, np.ndarray]:
    lengths = np.array([w.size for w in windows], dtype=np.int32)
    return feature_values(np.concatenate(windows).astype(np.float64), lengths)


def test_recent_windows_of_the_training_data_do_not_drift_and_shifted_ones_do(air: Panel) -> None:
    profile = build_profile(air)
    series = air.values[0].astype(np.float64)
    # What the server records of predictions on the training series: 16-value tails.
    tails = [series[end - WINDOW : end] for end in range(WINDOW, series.size + 1, WINDOW)]
    for name, values in _features(tails).items():
        assert psi(profile[name], values) < 0.05, name
        assert ks(profile[name], values)[1] > 0.5, name
    shifted = _features([tail * 3 + 500 for tail in tails])
    assert psi(profile["value"], shifted["value"]) > 0.25
    assert ks(profile["value"], shifted["value"])[0] == 1.0
    # Standardising within each window removes a shift and a scale, as it should.
    assert psi(profile["standardised"], shifted["standardised"]) < 0.1
