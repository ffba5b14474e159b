"""Descriptive statistics of a stored dataset and its quality score.

score = 25 * (completeness + uniqueness + regularity + (1 - outlier_share)), each
part in [0, 1]; docs/datasets.md defines the parts. Computed once, when the dataset
is stored, and kept in the Parquet file's metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from server.domain.datasets import frequency as grid
from server.domain.datasets.spec import NUMERIC_ROLES, ColumnRole
from server.domain.datasets.validation import Validated


@dataclass(frozen=True)
class ColumnStats:
    name: str
    role: ColumnRole
    count: int
    missing: int
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    p25: float | None = None
    p50: float | None = None
    p75: float | None = None
    max: float | None = None
    outlier_count: int = 0


@dataclass(frozen=True)
class SeriesStats:
    series_id: str
    length: int
    start: datetime
    end: datetime
    missing: int


@dataclass(frozen=True)
class QualityPart:
    value: float
    explanation: str


@dataclass(frozen=True)
class Quality:
    score: float
    completeness: QualityPart
    uniqueness: QualityPart
    regularity: QualityPart
    outlier_share: QualityPart


@dataclass(frozen=True)
class DatasetStats:
    columns: list[ColumnStats]
    series: list[SeriesStats]
    quality: Quality
    computed_at: datetime

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["computed_at"] = self.computed_at.isoformat()
        for entry in data["series"]:
            entry["start"], entry["end"] = entry["start"].isoformat(), entry["end"].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetStats:
        quality = data["quality"]
        return cls(
            columns=[ColumnStats(**{**c, "role": ColumnRole(c["role"])}) for c in data["columns"]],
            series=[
                SeriesStats(
                    **{
                        **s,
                        "start": datetime.fromisoformat(s["start"]),
                        "end": datetime.fromisoformat(s["end"]),
                    }
                )
                for s in data["series"]
            ],
            quality=Quality(
                score=quality["score"],
                **{part: QualityPart(**quality[part]) for part in _PARTS},
            ),
            computed_at=datetime.fromisoformat(data["computed_at"]),
        )


_PARTS = ("completeness", "uniqueness", "regularity", "outlier_share")


def _optional(value: Any) -> float | None:
    number = float(value)
    return None if np.isnan(number) else number


def _outliers(values: pd.Series, codes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Which cells are outliers by the IQR rule, applied within each series."""
    quartiles = values.groupby(codes).quantile([0.25, 0.75]).unstack()
    p25 = quartiles[0.25].reindex(range(int(codes.max()) + 1)).to_numpy()[codes]
    p75 = quartiles[0.75].reindex(range(int(codes.max()) + 1)).to_numpy()[codes]
    iqr = p75 - p25
    cells = values.to_numpy()
    return np.asarray((cells < p25 - 1.5 * iqr) | (cells > p75 + 1.5 * iqr))


def _column(name: str, role: ColumnRole, values: pd.Series, codes: np.ndarray[Any, Any]) -> ColumnStats:
    missing = int(values.isna().sum())
    count = len(values) - missing
    if role not in NUMERIC_ROLES or count == 0:
        return ColumnStats(name, role, count, missing)
    present = values.dropna()
    p25, p50, p75 = (float(q) for q in present.quantile([0.25, 0.5, 0.75]))
    return ColumnStats(
        name,
        role,
        count,
        missing,
        mean=float(present.mean()),
        std=_optional(present.std(ddof=1)),
        min=float(present.min()),
        p25=p25,
        p50=p50,
        p75=p75,
        max=float(present.max()),
        outlier_count=int(_outliers(values, codes).sum()),
    )


def _share(part: int, whole: int) -> float:
    return 1.0 if whole == 0 else part / whole


def _most_in(counts: pd.Series, single: bool) -> str:
    if single or counts.max() <= 0:
        return ""
    return f", most in series {counts.idxmax()}"


def compute(data: Validated, now: datetime | None = None) -> DatasetStats:
    frame, codes = data.frame, data.codes
    columns = [_column(name, role, frame[name], codes) for name, role in data.roles.items()]
    single = len(frame) == 0 or int(codes.max()) == 0
    ids = pd.Series(data.series_ids)
    values = [name for name, role in data.roles.items() if role is ColumnRole.VALUE]
    measured = [name for name, role in data.roles.items() if role in NUMERIC_ROLES]

    missing_values = frame[values].isna().sum(axis=1)
    stamps = frame[data.timestamp_column]
    grouped = pd.DataFrame({"id": ids, "ts": stamps, "missing": missing_values}).groupby("id", sort=True)
    summary = grouped.agg(
        length=("ts", "size"), start=("ts", "min"), end=("ts", "max"), missing=("missing", "sum")
    )
    series = [
        SeriesStats(str(sid), int(r.length), r.start.to_pydatetime(), r.end.to_pydatetime(), int(r.missing))
        for sid, r in summary.iterrows()
    ]

    cells = len(frame) * len(measured)
    absent_by_series = frame[measured].isna().sum(axis=1).groupby(ids).sum()
    absent = int(absent_by_series.sum())
    completeness = QualityPart(
        _share(cells - absent, cells),
        f"{absent:,} of {cells:,} value, covariate and known-future cells are missing"
        + _most_in(absent_by_series, single),
    )
    uniqueness = QualityPart(1.0, f"all {len(frame):,} (series, timestamp) pairs occur once")
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    steps = grid.steps(ns, codes, data.frequency)
    regular, pairs = grid.regularity(steps)
    gaps_by_series = pd.Series(steps.steps != 1).groupby(ids.to_numpy()[steps.rows]).sum()
    regularity = QualityPart(
        _share(regular, pairs),
        f"{regular:,} of {pairs:,} consecutive observations are one {data.frequency.value} step apart"
        + (f"; the rest are gaps{_most_in(gaps_by_series, single)}" if regular < pairs else ""),
    )
    flagged = sum(c.outlier_count for c in columns if c.role is ColumnRole.VALUE)
    present_values = sum(c.count for c in columns if c.role is ColumnRole.VALUE)
    outlier_share = QualityPart(
        0.0 if present_values == 0 else flagged / present_values,
        f"{flagged:,} of {present_values:,} value cells are outliers by the IQR rule within their series",
    )
    score = 25 * (completeness.value + uniqueness.value + regularity.value + (1 - outlier_share.value))
    quality = Quality(score, completeness, uniqueness, regularity, outlier_share)
    return DatasetStats(columns, series, quality, now or datetime.now(UTC))
