"""The serving benchmark's table and its targets, as ratios of rows of one run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SERIES = "series/s"
REQUESTS = "req/s"


@dataclass(frozen=True)
class Row:
    part: int
    system: str
    mode: str
    load: str
    rate: float | None
    unit: str
    p50: float | None = None
    p99: float | None = None
    note: str = ""


HEADER = (
    "| part | system | mode | batch / concurrency | throughput | p50 ms | p99 ms | note |",
    "|---|---|---|---|---:|---:|---:|---|",
)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def format_row(row: Row) -> str:
    rate = "n/a" if row.rate is None else f"{row.rate:,.0f} {row.unit}"
    cells = (str(row.part), row.system, row.mode, row.load, rate, _ms(row.p50), _ms(row.p99), row.note)
    return "| " + " | ".join(cells) + " |"


def table(rows: list[Row]) -> str:
    return "\n".join([*HEADER, *(format_row(r) for r in sorted(rows, key=lambda r: r.part))])


def _find(rows: list[Row], pick: Callable[[Row], bool]) -> list[Row]:
    return [r for r in rows if pick(r) and r.rate is not None]


def _verdict(name: str, ours: list[Row], theirs: list[Row], factor: float) -> str:
    if not ours or not theirs:
        return f"n/a  {name}: not measured in this run"
    mine = max(ours, key=lambda r: r.rate or 0.0)
    best = max(theirs, key=lambda r: r.rate or 0.0)
    assert mine.rate is not None and best.rate is not None
    ratio = mine.rate / best.rate
    verdict = "PASS" if ratio >= factor else "MISS"
    return (
        f"{verdict} {name}: {mine.rate:,.0f} vs {best.rate:,.0f} {best.unit} "
        f"({best.system} {best.mode}, {best.load}) = {ratio:.2f}x, target >= {factor:g}x"
    )


def targets(rows: list[Row]) -> list[str]:
    """Each target as a line starting with PASS, MISS or n/a."""
    unary = _find(
        rows, lambda r: r.system == "Quantis in-process" and r.mode == "Predict" and r.load == "c=64"
    )
    lines = [
        _verdict(
            "unary Predict at c=64 >= 2x MLServer with adaptive batching (1 series per request, c=64)",
            unary,
            _find(
                rows,
                lambda r: r.system == "MLServer" and r.mode == "adaptive batching" and r.load == "1 x c=64",
            ),
            2.0,
        )
    ]
    if unary:
        p99 = unary[0].p99
        ok = p99 is not None and p99 < 50
        lines.append(f"{'PASS' if ok else 'MISS'} unary Predict at c=64: p99 {_ms(p99)} ms, target < 50 ms")
    lines.append(
        _verdict(
            "StreamPredict in-process >= 1.5x MLServer's best packed figure",
            _find(rows, lambda r: r.system == "Quantis in-process" and r.mode == "StreamPredict"),
            _find(rows, lambda r: r.system == "MLServer" and r.load.startswith("256")),
            1.5,
        )
    )
    lines.append(
        _verdict(
            "StreamPredict through TorchServe >= 90% of TorchServe called directly with packed batches",
            _find(rows, lambda r: r.system == "Quantis on TorchServe" and r.mode == "StreamPredict"),
            _find(rows, lambda r: r.system == "TorchServe" and r.mode == "packed .npz"),
            0.9,
        )
    )
    return lines
