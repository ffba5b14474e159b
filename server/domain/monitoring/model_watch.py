"""Periodic model checks: drift and live accuracy of every deployed version, as alerts that
notify the model's owner when they open, and the model metrics only the database knows (drift
score and live MASE ratio per version, training jobs by state)."""

from __future__ import annotations

import logging
import math
from typing import Any

import sqlalchemy as sa
from prometheus_client import Gauge

from server.db.enums import AlertKind, AlertSeverity, JobState, NotificationKind
from server.db.models import Alert, Deployment, TrainingJob
from server.domain.monitoring.alerts import AlertDraft, AlertService
from server.domain.monitoring.drift import Level, Thresholds, number
from server.domain.monitoring.drift_reports import DriftReport, DriftReports
from server.domain.monitoring.notifications import NotificationDraft, NotificationService
from server.errors import QuantisError
from server.observability.metrics import RpcMetrics

log = logging.getLogger(__name__)
Labels = tuple[str, str]  # model_id, version_id


def drift_key(model_id: str, version_id: str) -> str:
    return f"drift/{model_id}/{version_id}"


def accuracy_key(model_id: str, version_id: str) -> str:
    return f"accuracy/{model_id}/{version_id}"


class ModelWatch:
    """One round of checks over the deployed versions; the caller decides how often (server.app)."""

    def __init__(
        self,
        db: Any,
        reports: DriftReports,
        alerts: AlertService,
        notifications: NotificationService,
        metrics: RpcMetrics,
        thresholds: Thresholds,
    ):
        self._db = db
        self._reports = reports
        self._alerts = alerts
        self._notifications = notifications
        self._metrics = metrics
        self._thresholds = thresholds
        self._drift_series: set[Labels] = set()
        self._ratio_series: set[Labels] = set()

    async def check_once(self) -> list[DriftReport]:
        """Every deployed version's report, after raising or resolving its alerts."""
        await self._count_training_jobs()
        deployed = await self._db.run(
            lambda s: s.execute(sa.select(Deployment.model_id, Deployment.version_id).distinct()).all()
        )
        reports = []
        for model_id, version_id in deployed:
            try:
                report = await self._reports.report(None, model_id, version_id)
            except QuantisError as error:  # no profile, or deleted since: nothing to judge
                log.info("no drift report for %s/%s: %s", model_id, version_id, error.message)
                continue
            await self._judge(report)
            reports.append(report)
        self._export(reports)
        return reports

    def _export(self, reports: list[DriftReport]) -> None:
        """The drift score and live MASE ratio of each version that has them now."""
        drift = {
            (r.model_id, r.version_id): r.score for r in reports if r.level is not Level.INSUFFICIENT_DATA
        }
        ratios = {}
        for r in reports:
            validation = number(r.validation.get("mase"))
            if r.live.get("points", 0) >= self._thresholds.min_live_points and validation > 0:
                ratio = r.live["mase"] / validation
                if math.isfinite(ratio):
                    ratios[(r.model_id, r.version_id)] = ratio
        self._drift_series = _publish(self._metrics.drift_score, drift, self._drift_series)
        self._ratio_series = _publish(self._metrics.live_mase_ratio, ratios, self._ratio_series)

    async def _count_training_jobs(self) -> None:
        def count(session: Any) -> dict[JobState, int]:
            grouped = sa.select(TrainingJob.state, sa.func.count()).group_by(TrainingJob.state)
            return {state: int(n) for state, n in session.execute(grouped).all()}

        counts = await self._db.run(count)
        for state in JobState:
            self._metrics.training_jobs.labels(state.value).set(counts.get(state, 0))

    async def _judge(self, report: DriftReport) -> None:
        name = f"{report.model_name} v{report.version_number}"
        key = drift_key(report.model_id, report.version_id)
        if report.level in (Level.MODERATE, Level.SIGNIFICANT):
            critical = report.level is Level.SIGNIFICANT
            worst = max(
                (f for f in report.features if f.level is not Level.INSUFFICIENT_DATA), key=lambda f: f.psi
            )
            await self._raise(
                report,
                AlertDraft(
                    AlertKind.DRIFT,
                    AlertSeverity.CRITICAL if critical else AlertSeverity.WARNING,
                    key,
                    f"Drift on model {name}",
                    message=(
                        f"PSI {report.score:.3f} on feature {worst.feature!r} over the last "
                        f"{report.prediction_count} predictions ({worst.recent_size} values); "
                        f"KS statistic {worst.ks_statistic:.3f}, p-value {worst.ks_p_value:.3g}."
                    ),
                    model_id=report.model_id,
                    version_id=report.version_id,
                    value=report.score,
                    threshold=self._thresholds.critical_psi if critical else self._thresholds.warning_psi,
                ),
            )
        elif report.level is Level.NONE:
            await self._alerts.resolve(key)
        await self._judge_accuracy(report, name)

    async def _judge_accuracy(self, report: DriftReport, name: str) -> None:
        key = accuracy_key(report.model_id, report.version_id)
        if report.degraded:
            live_mase, valid_mase = report.live["mase"], number(report.validation.get("mase"))
            live_cover, valid_cover = report.live["coverage_80"], number(report.validation.get("coverage_80"))
            mase_limit = self._thresholds.mase_factor * valid_mase
            # The alert's value is the measure that crossed its limit (MASE first; NaN never crosses).
            value, threshold = (
                (live_mase, mase_limit)
                if live_mase > mase_limit
                else (live_cover, valid_cover - self._thresholds.coverage_drop)
            )
            await self._raise(
                report,
                AlertDraft(
                    AlertKind.ACCURACY_DEGRADED,
                    AlertSeverity.WARNING,
                    key,
                    f"Accuracy of model {name} has degraded",
                    message=(
                        f"Live MASE {live_mase:.3f} against validation MASE {valid_mase:.3f}; live 80% "
                        f"coverage {live_cover:.2f} against validation {valid_cover:.2f}, "
                        f"on {int(report.live['points'])} points."
                    ),
                    model_id=report.model_id,
                    version_id=report.version_id,
                    value=value,
                    threshold=threshold,
                ),
            )
        elif report.live.get("points", 0) >= self._thresholds.min_live_points:
            await self._alerts.resolve(key)

    async def _raise(self, report: DriftReport, draft: AlertDraft) -> Alert:
        """Raise the alert; the first occurrence also notifies the model's owner."""
        alert = await self._alerts.raise_alert(draft)
        if alert.occurrences == 1:
            await self._notifications.notify(
                report.owner_id,
                NotificationDraft(
                    NotificationKind.ALERT,
                    draft.title,
                    body=draft.message,
                    resource_type="alert",
                    resource_id=alert.id,
                ),
            )
        return alert


def _publish(gauge: Gauge, values: dict[Labels, float], before: set[Labels]) -> set[Labels]:
    """Set each version's series and remove those of versions without a value now (undeployed,
    deleted, too little data), so no stale value stays exported; the series now exported."""
    for labels, value in values.items():
        gauge.labels(*labels).set(value)
    for gone in before - values.keys():
        gauge.remove(*gone)
    return set(values)
