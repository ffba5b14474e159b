"""Drift arithmetic: recent inputs against a training profile, graded by PSI; live accuracy
against validation.

Recent inputs are the samples prediction records keep (the last values of each input
series); each sample is treated as a series of its own, as the training profile's
windows were (training.profile).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from training.profile import F64, FeatureProfile, feature_values, ks, psi

NAN = float("nan")


class Level(StrEnum):
    NONE = "none"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True)
class Thresholds:
    """When drift is graded and live accuracy counts as degraded (server settings)."""

    warning_psi: float = 0.1
    critical_psi: float = 0.25
    min_values: int = 100
    min_live_points: int = 100
    mase_factor: float = 1.2
    coverage_drop: float = 0.1

    def level(self, score: float, values: int) -> Level:
        if values < self.min_values:
            return Level.INSUFFICIENT_DATA
        if score >= self.critical_psi:
            return Level.SIGNIFICANT
        return Level.MODERATE if score >= self.warning_psi else Level.NONE

    def degraded(self, live: Mapping[str, float], validation: Mapping[str, Any]) -> bool:
        """Live MASE above ``mase_factor`` times validation MASE, or live 80% coverage more than
        ``coverage_drop`` below validation, on at least ``min_live_points`` points."""
        if live.get("points", 0) < self.min_live_points:
            return False
        live_mase, valid_mase = number(live.get("mase")), number(validation.get("mase"))
        live_cover, valid_cover = number(live.get("coverage_80")), number(validation.get("coverage_80"))
        return (live_mase > self.mase_factor * valid_mase) or (live_cover < valid_cover - self.coverage_drop)


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    psi: float
    ks_statistic: float
    ks_p_value: float
    training_size: int
    recent_size: int
    level: Level


def recent_features(values: F64, lengths: npt.NDArray[np.int32]) -> dict[str, F64]:
    """Each feature's finite values over the recorded samples, packed (``values`` concatenated,
    ``lengths`` one per sample, NaN where a value is missing); each sample is a series of its
    own, and one without a finite value is left out."""
    values = np.asarray(values, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.int32)
    owner = np.repeat(np.arange(lengths.size), lengths)
    keep = np.bincount(owner, weights=np.isfinite(values), minlength=lengths.size) > 0
    values, lengths = values[keep[owner]], lengths[keep]
    if not lengths.size:
        return {}
    features = feature_values(values, lengths)
    return {name: found[np.isfinite(found)] for name, found in features.items()}


def pack_samples(samples: Iterable[Sequence[float | None]]) -> tuple[F64, npt.NDArray[np.int32]]:
    """Samples kept as lists (None where missing) packed as recent_features takes them."""
    lists = [[NAN if v is None else v for v in sample] for sample in samples]
    lengths = np.array([len(sample) for sample in lists], dtype=np.int32)
    return np.array([v for sample in lists for v in sample], dtype=np.float64), lengths


def compare(
    profile: Mapping[str, FeatureProfile], recent: Mapping[str, F64], thresholds: Thresholds
) -> list[FeatureDrift]:
    """One row per profiled feature; PSI and KS are NaN when there is no recent value at all."""
    rows = []
    for name, feature in profile.items():
        values = recent.get(name, np.zeros(0))
        score, (statistic, p_value) = (NAN, (NAN, NAN))
        if values.size:
            score, (statistic, p_value) = psi(feature, values), ks(feature, values)
        level = thresholds.level(score, int(values.size))
        rows.append(FeatureDrift(name, score, statistic, p_value, feature.size, int(values.size), level))
    return rows


def overall(features: list[FeatureDrift], thresholds: Thresholds) -> tuple[float, Level]:
    """The largest PSI among the features with enough recent values, and its level."""
    judged = [f.psi for f in features if f.level is not Level.INSUFFICIENT_DATA]
    if not judged:
        return 0.0, Level.INSUFFICIENT_DATA
    score = max(judged)
    return score, thresholds.level(score, thresholds.min_values)


def validation_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """A version's validation metrics, stored flat or under "validation"."""
    nested = metrics.get("validation")
    return dict(nested) if isinstance(nested, Mapping) else dict(metrics)


def number(value: Any) -> float:
    """A stored metric as a float; NaN when missing or not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NAN
    return number if math.isfinite(number) else NAN
