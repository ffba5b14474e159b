"""The panels BatchPredict keeps loaded: one read per stored file, the most recently used kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from server.jobs.panels import PanelCache, load_panel

COLUMNS: list[dict[str, Any]] = [
    {"name": "series_id", "role": "series_id"},
    {"name": "timestamp", "role": "timestamp"},
    {"name": "sales", "role": "value"},
    {"name": "price", "role": "value"},
]


def stored(tmp_path: Path, name: str, series: int, length: int = 24) -> Path:
    """A dataset file as uploads store it: ``series`` monthly series of ``length`` values."""
    frame = pd.DataFrame(
        {
            "series_id": np.repeat([f"s{i}" for i in range(series)], length),
            "timestamp": np.tile(pd.date_range("2020-01-01", periods=length, freq="MS", tz="UTC"), series),
            "sales": np.arange(series * length, dtype=np.float64),
            "price": np.arange(series * length, dtype=np.float64) * 2,
        }
    )
    path = tmp_path / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    return path


def test_a_file_is_read_once_and_answers_as_load_panel_does(tmp_path: Path) -> None:
    path = stored(tmp_path, "a", series=3)
    cache = PanelCache(max_values=1000)
    first = cache.load(path, COLUMNS, "sales", "monthly")
    expected = load_panel(path, COLUMNS, "sales", "monthly")
    assert first.series_ids == expected.series_ids
    for got, want in zip(first.values, expected.values, strict=True):
        np.testing.assert_array_equal(got, want)

    path.unlink()  # the second job on the dataset does not read the file
    assert cache.load(path, COLUMNS, "sales", "monthly") is first


def test_another_target_or_frequency_is_another_panel(tmp_path: Path) -> None:
    path = stored(tmp_path, "a", series=2)
    cache = PanelCache(max_values=1000)
    sales = cache.load(path, COLUMNS, "sales", "monthly")
    price = cache.load(path, COLUMNS, "price", "monthly")
    inferred = cache.load(path, COLUMNS, "sales", None)
    assert price is not sales and inferred is not sales
    np.testing.assert_array_equal(price.values[0], sales.values[0] * 2)


def test_the_least_recently_used_panel_goes_first(tmp_path: Path) -> None:
    a, b, c = (stored(tmp_path, name, series=2) for name in "abc")  # 48 values each
    cache = PanelCache(max_values=100)  # room for two
    kept = cache.load(a, COLUMNS, "sales", "monthly")
    cache.load(b, COLUMNS, "sales", "monthly")
    assert cache.load(a, COLUMNS, "sales", "monthly") is kept  # a is now the more recent
    cache.load(c, COLUMNS, "sales", "monthly")  # evicts b
    b.unlink()
    a.unlink()
    c.unlink()
    assert cache.load(a, COLUMNS, "sales", "monthly") is kept
    cache.load(c, COLUMNS, "sales", "monthly")
    with pytest.raises(FileNotFoundError):
        cache.load(b, COLUMNS, "sales", "monthly")


def test_a_panel_larger_than_the_cache_is_not_kept(tmp_path: Path) -> None:
    path = stored(tmp_path, "big", series=5)  # 120 values
    cache = PanelCache(max_values=100)
    first = cache.load(path, COLUMNS, "sales", "monthly")
    assert cache.load(path, COLUMNS, "sales", "monthly") is not first
