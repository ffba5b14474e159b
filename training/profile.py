"""Training-data profile for drift detection: fixed-bin histograms and samples per feature.

Features: the raw values, the per-series standardised values, and the one-step relative
changes. Later data is compared with PSI (on the stored bins) and the two-sample
Kolmogorov-Smirnov statistic (against the stored sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from training.panel import Panel
from training.scaling import segment_stats

BINS = 20
SAMPLE = 1000
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FeatureProfile:
    edges: F64  # BINS + 1 fixed edges; the outer bins are open-ended when comparing
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


def feature_values(values: F64, lengths: npt.NDArray[np.int32]) -> dict[str, F64]:
    loc, scale = segment_stats(values, lengths)
    standardised = (values - np.repeat(loc, lengths)) / np.repeat(scale, lengths)
    same_series = np.repeat(np.arange(lengths.size), lengths)
    follows = same_series[1:] == same_series[:-1]
    prev = values[:-1][follows]
    change = np.divide(values[1:][follows] - prev, np.abs(prev), out=np.zeros_like(prev), where=prev != 0)
    return {"value": values, "standardised": standardised, "change": change}


def _profile(x: F64, rng: np.random.Generator) -> FeatureProfile:
    x = x[np.isfinite(x)]
    low, high = np.quantile(x, [0.005, 0.995]) if x.size else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, BINS + 1)
    counts = bin_counts(x, edges)
    sample = np.sort(rng.choice(x, size=min(SAMPLE, x.size), replace=False)) if x.size else np.zeros(0)
    return FeatureProfile(edges, counts, sample, float(np.mean(x)), float(np.std(x)))


def build_profile(panel: Panel, seed: int = 0) -> dict[str, FeatureProfile]:
    values, lengths = panel.packed()
    rng = np.random.default_rng(seed)
    return {name: _profile(x, rng) for name, x in feature_values(values.astype(np.float64), lengths).items()}


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
    result = stats.ks_2samp(profile.sample, np.asarray(current, dtype=np.float64))
    return float(result.statistic), float(result.pvalue)
