"""Validation and frequency inference on their own, on small crafted tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from server.db.enums import DatasetFormat, Frequency
from server.domain.datasets import frequency as grid
from server.domain.datasets.filters import parse_filter
from server.domain.datasets.reading import read_table
from server.domain.datasets.spec import DatasetSpec
from server.domain.datasets.validation import validate
from server.errors import InvalidArgument


def nanoseconds(*stamps: str) -> np.ndarray:  # type: ignore[type-arg]
    return np.array(stamps, dtype="datetime64[ns]").astype(np.int64)


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        (("2024-01-01T00", "2024-01-01T01", "2024-01-01T03"), Frequency.HOURLY),
        (("2024-01-01", "2024-01-02", "2024-01-05"), Frequency.DAILY),
        (("2024-01-01", "2024-01-08", "2024-01-22"), Frequency.WEEKLY),
        (("2024-01-01", "2024-02-01", "2024-03-01"), Frequency.MONTHLY),
        (("2023-10-01", "2024-01-01", "2024-04-01"), Frequency.QUARTERLY),
        (("2020-01-01", "2021-01-01", "2023-01-01"), Frequency.YEARLY),
        (("2024-01-01", "2024-01-03", "2024-01-05"), None),
        (("2024-01-31", "2024-02-29", "2024-03-31"), None),
        (("2024-02-01", "2024-05-01", "2024-08-01"), None),
    ],
)
def test_frequency_inference(stamps: tuple[str, ...], expected: Frequency | None) -> None:
    ns = nanoseconds(*stamps)
    assert grid.infer(ns, np.zeros(len(ns), dtype=np.int64)) is expected


def test_a_panel_shares_one_frequency_and_gaps_lower_regularity() -> None:
    ns = nanoseconds("2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03")
    codes = np.array([0, 0, 1, 1])
    assert grid.infer(ns, codes) is None  # series 1 only ever jumps two days: half the series is not most
    ns = nanoseconds("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01", "2024-01-02", "2024-01-04")
    codes = np.array([0, 0, 0, 1, 1, 1])
    assert grid.infer(ns, codes) is Frequency.DAILY
    assert grid.regularity(grid.steps(ns, codes, Frequency.DAILY)) == (3, 4)


def spec(**fields: object) -> DatasetSpec:
    base: dict[str, object] = {
        "name": "t",
        "format": DatasetFormat.CSV,
        "timestamp_column": "timestamp",
        "value_columns": ("value",),
        "series_id_column": "series_id",
    }
    return DatasetSpec(**{**base, **fields})  # type: ignore[arg-type]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "upload.csv"
    path.write_text(text)
    return path


def test_interleaved_series_in_time_order_are_accepted_and_sorted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "value,timestamp,series_id\n1,2024-01-01,b\n2,2024-01-01,a\n3,2024-01-02,b\n4,2024-01-02,a\n",
    )
    data = validate(read_table(path, spec()), spec())
    assert list(data.frame.columns) == ["value", "timestamp", "series_id"]
    assert list(data.frame["value"]) == [2, 4, 1, 3] and list(data.series_ids) == ["a", "a", "b", "b"]
    assert data.frequency is Frequency.DAILY


def test_a_single_row_needs_a_declared_frequency(tmp_path: Path) -> None:
    path = write(tmp_path, "series_id,timestamp,value\ns,2024-01-01,1\n")
    with pytest.raises(InvalidArgument, match=r"declare metadata\.frequency"):
        validate(read_table(path, spec()), spec())
    declared = spec(frequency=Frequency.MONTHLY)
    assert validate(read_table(path, declared), declared).frequency is Frequency.MONTHLY


def test_a_declared_frequency_must_match_the_grid(tmp_path: Path) -> None:
    path = write(tmp_path, "series_id,timestamp,value\ns,2024-01-01,1\ns,2024-01-02,2\ns,2024-01-03,3\n")
    declared = spec(frequency=Frequency.MONTHLY)
    with pytest.raises(InvalidArgument) as raised:
        validate(read_table(path, declared), declared)
    assert raised.value.violations[0].field == "file.rows[2].timestamp"
    assert raised.value.metadata == {"row": "2", "column": "timestamp"}


def test_the_filter_grammar() -> None:
    parsed = parse_filter('name:"a \\"b\\"" AND labels.team="x" AND create_time >= "2024-01-01T00:00:00Z"')
    assert parsed.name_contains == ['a "b"'] and parsed.labels == [("team", "x")]
    assert parsed.created[0][0] == ">="
    for bad in ("name", "AND", 'name:"a" AND', "frequency=DAILY", "labels.=x"):
        with pytest.raises(InvalidArgument):
            parse_filter(bad)
