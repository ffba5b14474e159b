"""Training-data profile for drift detection: decile bins and a sample per feature.

Features: the raw values, the values standardised within each window, and the one-step
relative changes. The server sees a live input only as its last ``WINDOW`` values (the
sample each prediction record keeps), so the training series are cut into windows of
that size before profiling: standardising a 16-value window and a whole series give
different distributions, and only like can be compared with like. Later data is
compared with PSI (on the stored bins) and the two-sample Kolmogorov-Smirnov statistic
(against the stored sample).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from training.panel import Panel
from training.scaling import segment_stats

BINS = 10
WINDOW = 16
SAMPLE = 1000
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FeatureProfile:
    edges: F64  # cut at the deciles (fewer when deciles tie); the outer bins are open-ended
    counts: F64
    sample: F64
    mean: float
    std: float

    def to_json(self) -> dict[str, Any]:
        return {
            "edges": self.edges.tolist(),
            "counts": self.counts.tolist(),
            "sample": self.sample.tolist(),
            "mean": self.mean,
            "std": self.std,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureProfile:
        arrays = {k: np.asarray(data[k], dtype=np.float64) for k in ("edges", "counts", "sample")}
        return cls(
            arrays["edges"], arrays["counts"], arrays["sample"], float(data["mean"]), float(data["std"])
        )

    @property
    def size(self) -> int:
        """How many training values the histogram counts."""
        return int(self.counts.sum())


def feature_values(values: F64, lengths: npt.NDArray[np.int32]) -> dict[str, F64]:
    """Each feature's values over the packed ``values``, one segment per entry of ``lengths``."""
    loc, scale = segment_stats(values, lengths)
    standardised = (values - np.repeat(loc, lengths)) / np.repeat(scale, lengths)
    same_series = np.repeat(np.arange(lengths.size), lengths)
    follows = same_series[1:] == same_series[:-1]
    prev = values[:-1][follows]
    change = np.divide(values[1:][follows] - prev, np.abs(prev), out=np.zeros_like(prev), where=prev != 0)
    return {"value": values, "standardised": standardised, "change": change}


def window_lengths(lengths: npt.NDArray[np.int32], size: int = WINDOW) -> npt.NDArray[np.int32]:
    """The lengths of consecutive windows of at most ``size`` values cutting each series, aligned
    to its end as a forecast input's tail is (a shorter window first when the length does not
    divide). Packed values need no copy: the windows of a series are contiguous."""
    parts = []
    for n in lengths.tolist():
        full, rest = divmod(int(n), size)
        parts.append(([rest] if rest else []) + [size] * full)
    return np.asarray([n for part in parts for n in part], dtype=np.int32)


def _profile(x: F64, rng: np.random.Generator) -> FeatureProfile:
    x = x[np.isfinite(x)]
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, BINS + 1))) if x.size else np.zeros(1)
    if edges.size < 2:  # a constant feature: one bin around it
        edges = np.array([edges[0], edges[0] + 1.0])
    counts = bin_counts(x, edges)
    sample = np.sort(rng.choice(x, size=min(SAMPLE, x.size), replace=False)) if x.size else np.zeros(0)
    return FeatureProfile(
        edges, counts, sample, float(np.mean(x)) if x.size else 0.0, float(np.std(x)) if x.size else 0.0
    )


def build_profile(panel: Panel, seed: int = 0) -> dict[str, FeatureProfile]:
    values, lengths = panel.packed()
    rng = np.random.default_rng(seed)
    features = feature_values(values.astype(np.float64), window_lengths(lengths))
    return {name: _profile(x, rng) for name, x in features.items()}


def bin_counts(x: F64, edges: F64) -> F64:
    """Counts per bin, with values outside the edges falling in the first or last bin."""
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, edges.size - 2)
    return np.bincount(idx, minlength=edges.size - 1).astype(np.float64)


def psi(profile: FeatureProfile, current: F64, eps: float = 1e-4) -> float:
    """Population stability index of ``current`` against the training histogram."""
    expected = np.maximum(profile.counts / max(profile.counts.sum(), 1.0), eps)
    actual_counts = bin_counts(np.asarray(current, dtype=np.float64), profile.edges)
    actual = np.maximum(actual_counts / max(actual_counts.sum(), 1.0), eps)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def ks(profile: FeatureProfile, current: F64) -> tuple[float, float]:
    """Two-sample KS statistic and p-value of ``current`` against the stored sample."""
    with warnings.catch_warnings():
        # The exact p-value is tried first for small samples; scipy warns when it falls back to
        # the asymptotic one, which is the right answer then, not a problem to report.
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning)
        result = stats.ks_2samp(profile.sample, np.asarray(current, dtype=np.float64))
    return float(result.statistic), float(result.pvalue)
