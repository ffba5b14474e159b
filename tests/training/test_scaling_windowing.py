from __future__ import annotations

import numpy as np
import pytest

from training.errors import InvalidDataError
from training.features import build_inputs
from training.frequency import HOURLY, MONTHLY, WEEKLY, Frequency
from training.scaling import ScalerStats, resolve_transform, scale_packed, segment_stats, unscale
from training.windowing import (
    gather_context,
    gather_target,
    last_windows,
    training_windows,
    validation_holdout,
)


def test_segment_stats_match_numpy_per_series() -> None:
    rng = np.random.default_rng(0)
    lengths = np.array([3, 7, 1, 5], dtype=np.int32)
    flat = rng.normal(size=lengths.sum())
    flat[4] = np.nan
    mean, std = segment_stats(flat, lengths)
    for i, chunk in enumerate(np.split(flat, np.cumsum(lengths)[:-1])):
        assert mean[i] == pytest.approx(np.nanmean(chunk))
        if chunk.size > 1:
            assert std[i] == pytest.approx(np.nanstd(chunk))
    with pytest.raises(InvalidDataError):
        segment_stats(np.array([np.nan, 1.0]), np.array([1, 1], dtype=np.int32))


def test_scaling_round_trip_and_log_choice() -> None:
    lengths = np.array([3, 2], dtype=np.int32)
    flat = np.array([1.0, 10.0, 100.0, 5.0, 7.0])
    assert resolve_transform("auto", flat) == "log"
    assert resolve_transform("auto", np.array([-1.0, 2.0])) == "none"
    scaled, loc, scale = scale_packed(flat, lengths, "log")
    assert np.mean(scaled[:3]) == pytest.approx(0.0, abs=1e-12)
    restored = unscale(np.array([scaled[2], scaled[4]]), loc, scale, "log")
    np.testing.assert_allclose(restored, [100.0, 7.0])
    stats = ScalerStats("log", ("a", "b"), loc, scale)
    again = ScalerStats.from_json(stats.to_json())
    np.testing.assert_array_equal(again.loc, loc)
    assert again.series_ids == ("a", "b")


def test_counts_with_zeros_keep_a_log_scale_through_log1p() -> None:
    lengths = np.array([3, 2], dtype=np.int32)
    flat = np.array([0.0, 10.0, np.nan, 5.0, 7.0])
    # One zero in one series of a panel must not put every series on a linear scale.
    assert resolve_transform("auto", flat) == "log1p"
    assert resolve_transform("auto", np.array([0.0, -1.0])) == "none"
    scaled, loc, scale = scale_packed(flat, lengths, "log1p")
    assert loc[0] == pytest.approx(np.log(11.0) / 2)
    restored = unscale(np.array([scaled[1], scaled[4]]), loc, scale, "log1p")
    np.testing.assert_allclose(restored, [10.0, 7.0])
    with pytest.raises(InvalidDataError, match="at least 0"):
        scale_packed(np.array([3.0, -0.5]), np.array([2], dtype=np.int32), "log1p")


def test_training_windows_hold_out_the_last_horizon() -> None:
    lengths = np.array([20, 9], dtype=np.int32)
    train, val = training_windows(lengths, lookback=6, horizon=3, min_context=2, holdout=3)
    # Series 0: validation target = points 17..19; training targets end at 16 -> origins 2..14.
    assert list(val.series) == [0, 1] and list(val.origin) == [17, 6]
    origins0 = train.origin[train.series == 0]
    assert origins0.min() == 2 and origins0.max() == 14
    assert np.all(train.origin + 3 <= lengths[train.series] - 3)


def test_context_is_left_padded_and_masked() -> None:
    lengths = np.array([4, 2], dtype=np.int32)
    flat = np.array([1.0, 2.0, np.nan, 4.0, 7.0, 8.0])
    ctx, mask = gather_context(flat, lengths, last_windows(lengths), lookback=3)
    np.testing.assert_array_equal(ctx, [[2.0, 0.0, 4.0], [0.0, 7.0, 8.0]])
    np.testing.assert_array_equal(mask, [[1, 0, 1], [0, 1, 1]])
    train, _ = training_windows(lengths, 3, 1, 1, holdout=0)
    target = gather_target(flat, lengths, train, 1)
    assert target.shape == (train.series.size, 1)


def test_a_longer_holdout_gives_rolling_validation_origins() -> None:
    lengths = np.array([20, 9], dtype=np.int32)
    train, val = training_windows(lengths, lookback=6, horizon=3, min_context=5, holdout=5)
    # Series 0: validation targets start at 15, 16, 17 (all inside the last 5 points); series 1
    # is too short for them (9 - 5 < 5 points of context) and trains on all its windows.
    assert list(val.series) == [0, 0, 0] and list(val.origin) == [15, 16, 17]
    assert np.all(val.origin + 3 <= 20)
    origins0 = train.origin[train.series == 0]
    assert origins0.min() == 5 and origins0.max() == 12  # targets end before the validation points
    assert list(train.origin[train.series == 1]) == [5, 6]


def test_validation_holdout_adds_origins_only_where_windows_are_few() -> None:
    single = np.array([132], dtype=np.int32)
    assert validation_holdout(single, horizon=12, min_context=9, min_windows=30) == 23  # 12 origins
    weekly = np.array([2000], dtype=np.int32)
    assert validation_holdout(weekly, horizon=52, min_context=13, min_windows=30) == 52 + 29  # 30 origins
    panel = np.full(198, 40, dtype=np.int32)
    assert validation_holdout(panel, horizon=6, min_context=2, min_windows=30) == 6  # one each is plenty
    short = np.array([2 * 12 + 9 + 3], dtype=np.int32)  # four training windows with one origin
    assert validation_holdout(short, horizon=12, min_context=9, min_windows=30) == 13  # keeps half of them


@pytest.mark.parametrize("freq", [MONTHLY, WEEKLY, HOURLY])
def test_known_inputs_of_a_start_are_the_same_alone_or_among_other_starts(freq: Frequency) -> None:
    """Windows that all start together take their known inputs from a kept table; windows of
    several starts compute them; the two agree bit for bit."""
    lookback, horizon = 8, 4
    lengths = np.array([20, 20, 13], dtype=np.int32)
    flat = np.arange(lengths.sum(), dtype=np.float64)
    anchors = np.array(["2001-01-01"] * 3, dtype="datetime64[D]").astype(f"datetime64[{freq.unit}]")

    def known(count: int) -> tuple[np.ndarray, np.ndarray]:
        part = lengths[:count]
        tensors = build_inputs(
            flat[: part.sum()],
            part,
            np.ones(count),
            anchors[:count],
            freq,
            last_windows(part),
            lookback,
            horizon,
            False,
            level_input=True,
        ).tensors
        return tensors["past_known"].numpy(), tensors["future_known"].numpy()

    alone, among = known(2), known(3)  # one start (the cached table), then two starts
    for one, other in zip(alone, among, strict=True):
        np.testing.assert_array_equal(one, other[:2])
        assert one.flags.writeable  # a copy: the kept table itself is never handed out
    assert not np.array_equal(among[0][0], among[0][2])  # the third window starts elsewhere


def test_the_level_input_is_the_first_static_column_and_can_be_left_out() -> None:
    freq = MONTHLY
    lengths = np.array([30, 24], dtype=np.int32)
    flat = np.concatenate([np.linspace(0.0, 3.0, 30), np.linspace(-1.0, 1.0, 24)])
    anchors = np.array(["2001-01-01"] * 2, dtype="datetime64[M]")
    windows = last_windows(lengths)

    def static(level_input: bool) -> np.ndarray:
        args = (flat, lengths, np.ones(2), anchors, freq, windows, 12, 6, False)
        return build_inputs(*args, level_input=level_input).tensors["static"].numpy()

    with_level, without = static(True), static(False)
    assert with_level.shape == (2, 4) and without.shape == (2, 3)
    np.testing.assert_array_equal(with_level[:, 1:], without)
    # The level: the mean of the window's (already scaled) context, the last 12 values.
    np.testing.assert_allclose(with_level[:, 0], [flat[18:30].mean(), flat[-12:].mean()], rtol=1e-6)
