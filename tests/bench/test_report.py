"""The serving benchmark's targets: ratios of rows of one run, PASS, MISS or n/a."""

from __future__ import annotations

from bench.report import REQUESTS, SERIES, Row, table, targets
from bench.systems import BatcherTotals


def _rows(unary: float, p99: float, stream: float, ts_stream: float) -> list[Row]:
    return [
        Row(5, "Quantis in-process", "Predict", "c=64", unary, REQUESTS, 9.0, p99),
        Row(3, "MLServer", "adaptive batching", "1 x c=64", 3000.0, REQUESTS, 20.0, 40.0),
        Row(3, "MLServer", "no batching", "256 x c=4", 40_000.0, SERIES),
        Row(3, "MLServer", "adaptive batching", "256 x c=4", 20_000.0, SERIES),
        Row(4, "Quantis in-process", "StreamPredict", "256/msg", stream, SERIES),
        Row(2, "TorchServe", "packed .npz", "1024 x c=4", 50_000.0, SERIES),
        Row(4, "Quantis on TorchServe", "StreamPredict", "256/msg", ts_stream, SERIES),
    ]


def test_targets_compare_with_the_best_peer_row() -> None:
    lines = targets(_rows(unary=6000.0, p99=30.0, stream=60_000.0, ts_stream=45_000.0))
    assert [line.split()[0] for line in lines] == ["PASS", "PASS", "PASS", "PASS"]
    assert "= 2.00x" in lines[0] and "= 1.50x" in lines[2] and "= 0.90x" in lines[3]
    assert "MLServer no batching, 256 x c=4" in lines[2]  # the best packed MLServer figure


def test_targets_miss_below_the_ratio_or_over_the_latency() -> None:
    lines = targets(_rows(unary=5999.0, p99=50.0, stream=59_000.0, ts_stream=44_000.0))
    assert [line.split()[0] for line in lines] == ["MISS", "MISS", "MISS", "MISS"]


def test_a_target_without_its_rows_is_not_applicable() -> None:
    rows = [r for r in _rows(6000.0, 30.0, 60_000.0, 45_000.0) if r.system != "Quantis on TorchServe"]
    missing = "n/a (backend missing)"
    rows.append(Row(4, "Quantis on TorchServe", "StreamPredict", "-", None, SERIES, note=missing))
    lines = targets(rows)
    assert lines[3].startswith("n/a")
    assert "| n/a |" in table(rows) and "n/a (backend missing)" in table(rows)


def test_batcher_note_tells_the_passes_between_two_readings() -> None:
    before = BatcherTotals(passes=10, series=100, seconds=0.5)
    after = BatcherTotals(passes=410, series=5_300, seconds=4.5)
    assert after.since(before) == "400 passes of 13.0 series, 10.0 ms each"
    assert before.since(before) == "no forward pass"
