"""Validation and frequency inference on their own, on small crafted tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from server.db.enums import DatasetFormat, Frequency
from server.domain.datasets import frequency as grid
from server.domain.datasets.filters import typed_filter
from server.domain.datasets.reading import read_table
from server.domain.datasets.spec import DatasetSpec
from server.domain.datasets.validation import validate
from server.domain.filters import MAX_TERMS, Term, parse_terms
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
    parsed = parse_terms('name:"a \\"b\\"" AND labels.team!="x" AND create_time >= "2024-01-01T00:00:00Z"')
    assert parsed == [
        Term("name", ":", 'a "b"'),
        Term("labels.team", "!=", "x"),
        Term("create_time", ">=", "2024-01-01T00:00:00Z"),
    ]
    for bad in ("name", "AND", 'name:"a" AND', "frequency=DAILY", "labels.=x", "name = a OR name = b"):
        with pytest.raises(InvalidArgument):
            typed_filter("", None, None, {}, bad)
    with pytest.raises(InvalidArgument) as raised:
        parse_terms(" AND ".join(["name:a"] * (MAX_TERMS + 1)))
    assert raised.value.reason == "FILTER_INVALID" and raised.value.violations[0].field == "filter"


def test_a_named_column_the_file_holds_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "series_id,timestamp,value,value\ns,2024-01-01,1,2\ns,2024-01-02,2,3\n")
    with pytest.raises(InvalidArgument) as raised:
        read_table(path, spec())
    assert raised.value.violations[0].field == "metadata.value_columns[0]"
    assert "names 2 columns" in raised.value.violations[0].description
    twice = tmp_path / "twice.parquet"
    stamps = pa.array(np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[ms]"))
    columns = [pa.array(["s", "s"]), stamps, stamps, pa.array([1.0, 2.0])]
    pq.write_table(pa.Table.from_arrays(columns, ["series_id", "timestamp", "timestamp", "value"]), twice)
    parquet = spec(format=DatasetFormat.PARQUET)
    with pytest.raises(InvalidArgument) as raised:
        read_table(twice, parquet)
    assert raised.value.violations[0].field == "metadata.timestamp_column"
    # A column the spec does not name may repeat: it is not read.
    path = write(tmp_path, "series_id,timestamp,value,note,note\ns,2024-01-01,1,a,b\ns,2024-01-02,2,c,d\n")
    assert list(read_table(path, spec()).frame.columns) == ["series_id", "timestamp", "value"]


def parquet_file(tmp_path: Path, columns: list[pa.Array]) -> Path:
    path = tmp_path / "upload.parquet"
    pq.write_table(pa.Table.from_arrays(columns, ["series_id", "timestamp", "value"]), path)
    return path


def test_parquet_integers_dates_and_their_limits(tmp_path: Path) -> None:
    parquet = spec(format=DatasetFormat.PARQUET)
    days = pa.array(np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[D]"))
    # Integer series ids stay integers ("7", not "7.0"), even past 2**53; integer values past
    # 2**53 round to float64, as their text in a CSV would.
    ids = pa.array([2**53 + 1, 2**53 + 1, 7], pa.int64())
    table = read_table(parquet_file(tmp_path, [ids, days, pa.array([2**53 + 1, 2, 3], pa.int64())]), parquet)
    assert list(table.frame["series_id"]) == ["9007199254740993", "9007199254740993", "7"]
    assert list(table.frame["value"]) == [2.0**53, 2.0, 3.0]
    with pytest.raises(InvalidArgument, match="the series id is missing"):
        read_table(parquet_file(tmp_path, [pa.array([1, None, 2]), days, pa.array([1.0, 2, 3])]), parquet)
    # A date nanoseconds cannot hold is refused, not wrapped into another century.
    far = pa.array(np.array(["9999-01-01", "9999-01-02", "9999-01-03"], dtype="datetime64[us]"))
    with pytest.raises(InvalidArgument) as raised:
        read_table(parquet_file(tmp_path, [pa.array(["a"] * 3), far, pa.array([1.0, 2, 3])]), parquet)
    assert raised.value.violations[0].field == "metadata.timestamp_column"
    assert "1678 to 2261" in raised.value.violations[0].description


def test_a_header_field_too_long_to_read_is_a_bad_file(tmp_path: Path) -> None:
    path = write(tmp_path, "series_id,timestamp,value," + "x" * 200_000 + "\ns,2024-01-01,1,\n")
    with pytest.raises(InvalidArgument, match="header row"):
        read_table(path, spec())


def test_numbers_read_as_float_reads_them(tmp_path: Path) -> None:
    # Correctly rounded, as float() reads them: a fast parser was one unit off in the last place.
    cells = ["0.30000000000000004", "123456789.123456789", "+1", "-0", "1e5", ".5", "", "nan"]
    rows = "".join(f"s,2024-01-{day:02d},{cell}\n" for day, cell in enumerate(cells, start=1))
    values = read_table(write(tmp_path, "series_id,timestamp,value\n" + rows), spec()).frame["value"]
    expected = [float(cell) if cell else float("nan") for cell in cells]
    np.testing.assert_array_equal(values.to_numpy(), np.array(expected))
    bad = write(tmp_path, "series_id,timestamp,value\ns,2024-01-01,1\ns,2024-01-02,1_000\n")
    with pytest.raises(InvalidArgument) as raised:
        read_table(bad, spec())
    assert raised.value.violations[0].field == "file.rows[2].value"


def test_a_series_id_longer_than_the_history_stores_is_refused(tmp_path: Path) -> None:
    long = "s" * 257
    path = write(tmp_path, f"series_id,timestamp,value\na,2024-01-01,1\n{long},2024-01-01,1\n")
    with pytest.raises(InvalidArgument) as raised:
        read_table(path, spec())
    assert raised.value.violations[0].field == "file.rows[2].series_id"
    table = pa.Table.from_arrays(
        [
            pa.array(["a", "b\x00"]),
            pa.array(np.array(["2024-01-01"] * 2, dtype="datetime64[D]")),
            pa.array([1.0, 2]),
        ],
        ["series_id", "timestamp", "value"],
    )
    pq.write_table(table, tmp_path / "nul.parquet")
    with pytest.raises(InvalidArgument) as raised:
        read_table(tmp_path / "nul.parquet", spec(format=DatasetFormat.PARQUET))
    assert raised.value.violations[0].field == "file.rows[2].series_id"
