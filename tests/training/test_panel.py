from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.calendar import calendar_feature_names, calendar_features
from training.datasets import load_demo, load_panel
from training.errors import InvalidDataError, IrregularFrequencyError
from training.frequency import FREQUENCIES, MONTHLY, infer_frequency
from training.panel import Panel


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("h", "hourly"),
        ("D", "daily"),
        ("W-SAT", "weekly"),
        ("MS", "monthly"),
        ("ME", "monthly"),
        ("QS", "quarterly"),
        ("QE-DEC", "quarterly"),
        ("YS", "yearly"),
        ("YE", "yearly"),
        ("YS-JUL", "yearly"),  # fiscal years: July 1 is a day further into a leap year
        ("YE-FEB", "yearly"),
    ],
)
def test_frequency_inference(freq: str, expected: str) -> None:
    stamps = pd.date_range("2001-01-01", periods=30, freq=freq).to_numpy()
    assert infer_frequency([stamps]).name == expected


def test_gaps_of_whole_periods_keep_the_frequency() -> None:
    stamps = pd.date_range("2001-01-01", periods=30, freq="MS").to_numpy()
    assert infer_frequency([np.delete(stamps, [4, 5, 17])]).name == "monthly"


@pytest.mark.parametrize(
    "stamps",
    [
        pd.to_datetime(["2001-01-01", "2001-01-02", "2001-01-04 05:00"], format="ISO8601").to_numpy(),
        pd.to_datetime(["2001-01-01", "2001-01-01 00:30", "2001-01-01 01:00"], format="ISO8601").to_numpy(),
        pd.to_datetime(["2001-01-01", "2001-01-15", "2001-02-01", "2001-03-01"]).to_numpy(),
    ],
)
def test_irregular_timestamps_are_refused(stamps: np.ndarray) -> None:
    with pytest.raises(IrregularFrequencyError):
        infer_frequency([stamps])


def test_series_on_different_grids_are_refused() -> None:
    monthly = pd.date_range("2001-01-01", periods=12, freq="MS").to_numpy()
    daily = pd.date_range("2001-01-01", periods=12, freq="D").to_numpy()
    with pytest.raises(IrregularFrequencyError):
        infer_frequency([monthly, daily])


def test_missing_values_are_interpolated_and_edges_trimmed() -> None:
    stamps = pd.date_range("2020-01-01", periods=8, freq="D")
    a = pd.DataFrame(
        {"series_id": "a", "timestamp": stamps, "value": [np.nan, 1.0, 2.0, np.nan, np.nan, 5.0, 6.0, 7.0]}
    )
    b = pd.DataFrame(
        {"series_id": "b", "timestamp": stamps[[0, 1, 3]], "value": [10.0, 20.0, 40.0]}
    )  # day 3 absent
    panel = Panel.from_long(pd.concat([b, a]))
    assert panel.series_ids == ("a", "b")
    assert panel.frequency.name == "daily"
    np.testing.assert_allclose(panel.values[0], [1, 2, 3, 4, 5, 6, 7])
    np.testing.assert_allclose(panel.values[1], [10, 20, 30, 40])
    assert panel.missing.interpolated == {"a": 2, "b": 1}
    assert panel.missing.trimmed == {"a": 1}
    assert list(panel.lengths) == [7, 4]
    # Computed once (BatchPredict reads them per chunk) and so read-only.
    assert panel.lengths is panel.lengths and panel.last_timestamps is panel.last_timestamps
    assert not panel.lengths.flags.writeable and not panel.last_timestamps.flags.writeable
    assert str(panel.starts[0]) == "2020-01-02"
    back = panel.to_long()
    assert back[back.series_id == "a"].timestamp.iloc[0] == pd.Timestamp("2020-01-02")


def _one_by_one(frame: pd.DataFrame, freq: str) -> dict[str, tuple[str, list[float], int, int]]:
    """The missing-value policy applied to each series alone: (start, values, trimmed,
    interpolated) per kept series."""
    grid = FREQUENCIES[freq]
    out = {}
    for sid, rows in frame.sort_values("timestamp").groupby("series_id"):
        pos = grid.positions(rows.timestamp.to_numpy(dtype="datetime64[ns]"))
        full = np.full(int(pos[-1] - pos[0]) + 1, np.nan)
        full[pos - pos[0]] = rows.value.to_numpy()
        observed = np.flatnonzero(~np.isnan(full))
        if observed.size:
            body = full[observed[0] : observed[-1] + 1]
            gaps = np.isnan(body)
            index = np.arange(body.size)
            filled = np.interp(index, index[~gaps], body[~gaps])
            start = str(grid.shift(rows.timestamp.to_numpy(dtype="datetime64[ns]")[:1], observed[:1])[0])
            out[str(sid)] = (start, filled.tolist(), full.size - body.size, int(gaps.sum()))
    return out


@pytest.mark.parametrize(("freq", "pandas_freq"), [("monthly", "MS"), ("weekly", "W-MON"), ("hourly", "h")])
def test_many_series_with_gaps_match_the_policy_applied_one_by_one(freq: str, pandas_freq: str) -> None:
    rng = np.random.default_rng(7)
    frames = []
    for i in range(300):
        n = int(rng.integers(1, 40))
        stamps = pd.date_range(
            pd.Timestamp("2001-01-01") + i * pd.tseries.frequencies.to_offset(pandas_freq),
            periods=n,
            freq=pandas_freq,
        )
        values = rng.normal(100, 10, n)
        values[rng.random(n) < 0.15] = np.nan  # missing values, at the edges too
        if i % 5 == 0:
            values[:] = np.nan  # nothing observed: the series is dropped
        keep = rng.random(n) > 0.1  # absent timestamps
        keep[0] = True
        frames.append(
            pd.DataFrame({"series_id": f"s{i:03d}", "timestamp": stamps[keep], "value": values[keep]})
        )
    frame = pd.concat(frames).sample(frac=1.0, random_state=1)  # any row order
    panel = Panel.from_long(frame, frequency=freq)
    expected = _one_by_one(frame, freq)
    assert panel.series_ids == tuple(sorted(expected))
    for i, sid in enumerate(panel.series_ids):
        start, values, trimmed, interpolated = expected[sid]
        assert str(panel.starts[i]) == start
        np.testing.assert_allclose(panel.values[i], values)
        assert panel.missing.trimmed.get(sid, 0) == trimmed
        assert panel.missing.interpolated.get(sid, 0) == interpolated
    dropped = {f"s{i:03d}" for i in range(0, 300, 5)}
    assert dropped.isdisjoint(panel.series_ids)
    assert all(panel.missing.trimmed[sid] > 0 for sid in dropped)
    assert list(panel.lengths) == [len(expected[sid][1]) for sid in panel.series_ids]


def test_bad_long_frames_are_refused() -> None:
    with pytest.raises(InvalidDataError, match="missing columns"):
        Panel.from_long(pd.DataFrame({"series_id": ["a"], "value": [1.0]}))
    dup = pd.DataFrame({"series_id": ["a", "a"], "timestamp": ["2020-01-01"] * 2, "value": [1.0, 2.0]})
    with pytest.raises(InvalidDataError, match="duplicate"):
        Panel.from_long(dup)


def monthly_frame(values: list[object], stamps: list[str] | None = None) -> pd.DataFrame:
    stamps = stamps or [str(t.date()) for t in pd.date_range("2020-01-01", periods=len(values), freq="MS")]
    return pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": values})


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (monthly_frame([1.0, "abc", 3.0]), "unreadable timestamp or value: Unable to parse"),
        (monthly_frame([1.0, 2.0, 3.0], ["2020-01-01", "January", "2020-03-01"]), "unreadable timestamp"),
        (monthly_frame([1.0, np.inf, 3.0]), "values must be finite"),
        (monthly_frame([1.0, -np.inf, 3.0]), "values must be finite"),
    ],
    ids=["text value", "text timestamp", "inf", "-inf"],
)
def test_unreadable_or_infinite_values_are_refused(frame: pd.DataFrame, message: str) -> None:
    """Not a pandas error, nor an infinite value that trains a network on NaN losses."""
    with pytest.raises(InvalidDataError, match=message):
        Panel.from_long(frame)


def test_a_given_frequency_coarser_than_the_data_is_refused_not_collapsed() -> None:
    """Two rows in one period of the given grid: keeping one would silently drop the other."""
    daily = pd.DataFrame(
        {"series_id": "a", "timestamp": pd.date_range("2020-01-01", periods=60, freq="D"), "value": 1.0}
    )
    with pytest.raises(InvalidDataError, match="more than one row in the monthly period 2020-01"):
        Panel.from_long(daily, frequency="monthly")
    with pytest.raises(InvalidDataError, match="unknown frequency 'minutely'"):
        Panel.from_long(daily, frequency="minutely")
    assert Panel.from_long(daily, frequency="daily").lengths.tolist() == [60]


def test_split_is_by_time(air: Panel) -> None:
    train, test = air.split(12)
    assert train.lengths[0] == 132
    np.testing.assert_array_equal(test[0], air.values[0][-12:])
    assert str(train.last_timestamps[0]) == "1959-12"
    assert [str(t) for t in train.future_timestamps(2)[0]] == ["1960-01", "1960-02"]


def test_calendar_features_encode_the_month() -> None:
    stamps = np.array(["2020-01", "2020-04", "2020-07"], dtype="datetime64[M]")
    feats = calendar_features(MONTHLY, stamps)
    assert calendar_feature_names(MONTHLY) == ["month_of_year_sin", "month_of_year_cos"]
    np.testing.assert_allclose(feats, [[0, 1], [1, 0], [0, -1]], atol=1e-6)


@pytest.mark.parametrize("name", sorted(FREQUENCIES))
def test_calendar_features_are_the_sin_and_cos_of_each_cycle(name: str) -> None:
    """Against pandas' calendar, before and after 1970, on leap days and at year ends."""
    freq = FREQUENCIES[name]
    stamps = pd.to_datetime(
        ["1901-03-01 05:00", "1959-12-31 23:00", "1970-01-01 00:00", "2020-02-29 12:00", "2023-12-31 07:00"]
    )
    cycles = {
        "hour_of_day": (stamps.hour, 24.0),
        "day_of_week": (stamps.dayofweek, 7.0),
        "day_of_year": (stamps.dayofyear - 1, 365.25),
        "month_of_year": (stamps.month - 1, 12.0),
    }
    names = calendar_feature_names(freq)
    feats = calendar_features(freq, stamps.values.reshape(1, -1))
    assert feats.shape == (1, len(stamps), len(names)) and feats.dtype == np.float32
    for column, feature in enumerate(names):
        cycle, _, fn = feature.rpartition("_")
        position, period = cycles[cycle]
        angle = 2 * np.pi * np.asarray(position, dtype=np.float64) / period
        want = np.sin(angle) if fn == "sin" else np.cos(angle)
        np.testing.assert_array_equal(feats[0, :, column], want.astype(np.float32))


def test_real_data_loads_offline() -> None:
    air = Panel.from_long(load_demo("airpassengers"))
    co2 = Panel.from_long(load_demo("co2"))
    sun = Panel.from_long(load_demo("sunspots"))
    assert (air.frequency.name, int(air.lengths[0]), air.values[0][0]) == ("monthly", 144, 112.0)
    assert (co2.frequency.name, int(co2.lengths[0])) == ("weekly", 2284)
    assert sun.frequency.name == "yearly"
    fert = Panel.from_long(load_panel("fertility"))
    assert fert.frequency.name == "yearly" and len(fert) >= 200
    assert len(set(fert.lengths.tolist())) > 5  # ragged
    assert fert.missing.total_interpolated > 0
    tourism = Panel.from_long(load_panel("tourism_quarterly"))
    assert (tourism.frequency.name, len(tourism)) == ("quarterly", 427)
    assert (int(tourism.lengths.min()), int(tourism.lengths.max())) == (30, 130)
    assert str(tourism.last_timestamps.max()) == str(tourism.last_timestamps.min())  # one end for all
    assert min(float(np.nanmin(v)) for v in tourism.values) == 0.0  # counts with zeros


def _berlin(start: str, periods: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=periods, freq=freq, tz="UTC").tz_convert("Europe/Berlin")


@pytest.mark.parametrize("start", ["2024-03-30 12:00", "2024-10-26 12:00"], ids=["spring", "autumn"])
@pytest.mark.parametrize("as_text", [False, True], ids=["zoned", "offsets in text"])
def test_hourly_data_across_a_clock_change_keeps_one_row_per_hour(start: str, as_text: bool) -> None:
    """Local wall time has no 02:00 in spring and two in autumn: the instants, in UTC, are
    regular (not an invented hour, a refused duplicate, or text offsets that pandas reads one
    by one)."""
    stamps = _berlin(start, 48, "h")
    frame = pd.DataFrame(
        {
            "series_id": "a",
            "timestamp": [t.isoformat() for t in stamps] if as_text else stamps,
            "value": np.arange(48.0),
        }
    )
    panel = Panel.from_long(frame)
    assert panel.frequency.name == "hourly"
    assert panel.values[0].tolist() == list(range(48))
    assert panel.missing.total_interpolated == 0
    assert panel.timestamps(0)[0] == np.datetime64(pd.Timestamp(start).to_datetime64(), "h")


@pytest.mark.parametrize("as_text", [False, True], ids=["zoned", "offsets in text"])
def test_dates_at_local_midnight_keep_their_local_dates(as_text: bool) -> None:
    """Midnight +01:00, then +02:00 after the change, is 23:00 and 22:00 in UTC: on no grid.
    Stamps that are all at local midnight name dates, and keep them."""
    stamps = pd.date_range("2024-03-20", periods=30, freq="D", tz="Europe/Berlin")
    frame = pd.DataFrame(
        {"series_id": "a", "timestamp": [t.isoformat() for t in stamps] if as_text else stamps, "value": 1.0}
    )
    panel = Panel.from_long(frame)
    assert panel.frequency.name == "daily"
    assert panel.timestamps(0)[[0, -1]].tolist() == [np.datetime64("2024-03-20"), np.datetime64("2024-04-18")]
