"""Per-version statistics of recorded predictions: requests, series and latency percentiles, and
the live accuracy of those with actuals (scaled by each prediction's own seasonal naive scale, or
else its version's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.db.enums import PredictionSource
from server.db.models import ModelVersion, Prediction
from server.domain.prediction.accuracy import pooled
from server.domain.prediction.blobs import stored_forecast, stored_summary
from server.domain.prediction.routing import _scale


@dataclass(frozen=True)
class VersionStats:
    version_id: str
    request_count: int
    series_count: int
    error_count: int
    latency_p50: float
    latency_p95: float
    latency_p99: float
    live_metrics: dict[str, float]
    predictions_with_actuals: int


@dataclass(frozen=True)
class StatsView:
    model_id: str
    versions: list[VersionStats] = field(default_factory=list)
    total: VersionStats | None = None


def scale_of(prediction: Prediction, version_scales: dict[str, float | None]) -> float | None:
    scale = stored_summary(prediction).get("scale")
    if isinstance(scale, int | float) and scale > 0:
        return float(scale)
    return version_scales.get(prediction.version_id)


def version_scales(session: Session, version_ids: set[str]) -> dict[str, float | None]:
    if not version_ids:
        return {}
    rows = session.execute(
        sa.select(ModelVersion.id, ModelVersion.metrics).where(ModelVersion.id.in_(version_ids))
    )
    return {row.id: _scale(row.metrics or {}) for row in rows}


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else 0.0


def summarise(
    version_id: str, rows: list[Prediction], scales: dict[str, float | None], errors: int = 0
) -> VersionStats:
    """The figures of ``rows`` (one version's, or all), with ``errors`` failed requests."""
    requests: dict[str, float | None] = {}
    for p in rows:
        key = str((p.input_summary or {}).get("request") or p.id)
        # Batch jobs count as requests but their latency is not comparable.
        requests.setdefault(key, None if p.source is PredictionSource.BATCH else p.latency_ms / 1000)
    latencies = [latency for latency in requests.values() if latency is not None]
    live, measured = live_metrics(rows, scales)
    return VersionStats(
        version_id=version_id,
        request_count=len(requests),
        series_count=len(rows),
        error_count=errors,
        latency_p50=_percentile(latencies, 50),
        latency_p95=_percentile(latencies, 95),
        latency_p99=_percentile(latencies, 99),
        live_metrics=live,
        predictions_with_actuals=measured,
    )


def live_metrics(rows: Sequence[Prediction], scales: dict[str, float | None]) -> tuple[dict[str, float], int]:
    """Accuracy pooled over every step of ``rows`` with an actual (actuals loaded), and how many
    of the rows have actuals; ``scales`` are the version scales of ``version_scales``."""
    measured = [
        (stored_forecast(p), {a.step: a.value for a in p.actuals}, scale_of(p, scales))
        for p in rows
        if p.actuals
    ]
    return pooled(measured), len(measured)
