"""GetModelDrift messages from and to the drift report."""

from __future__ import annotations

from quantis.v1 import common_pb2
from quantis.v1 import monitoring_service_pb2 as pb

from server.domain.monitoring.drift import Level
from server.domain.monitoring.drift_reports import DriftReport, Window
from server.mappers.common import optional_datetime, timestamp
from server.mappers.model import metrics_to_proto

LEVELS = {
    Level.NONE: pb.DRIFT_LEVEL_NONE,
    Level.MODERATE: pb.DRIFT_LEVEL_MODERATE,
    Level.SIGNIFICANT: pb.DRIFT_LEVEL_SIGNIFICANT,
    Level.INSUFFICIENT_DATA: pb.DRIFT_LEVEL_INSUFFICIENT_DATA,
}


def window_from_proto(request: pb.GetModelDriftRequest) -> Window | None:
    """The requested window; None (the default window) when the request sets none."""
    chosen = request.window.WhichOneof("window") if request.HasField("window") else None
    if chosen == "last_predictions":
        return Window(last=request.window.last_predictions)
    if chosen == "time_range":
        span = request.window.time_range
        return Window(
            start=optional_datetime(
                span.start_time, span.HasField("start_time"), "window.time_range.start_time"
            ),
            end=optional_datetime(span.end_time, span.HasField("end_time"), "window.time_range.end_time"),
        )
    return None


def window_to_proto(window: Window) -> pb.DriftWindow:
    if window.last is not None:
        return pb.DriftWindow(last_predictions=window.last)
    span = common_pb2.TimeRange(start_time=timestamp(window.start), end_time=timestamp(window.end))
    return pb.DriftWindow(time_range=span)


def drift_report_to_proto(report: DriftReport) -> pb.GetModelDriftResponse:
    live = report.live
    return pb.GetModelDriftResponse(
        model_id=report.model_id,
        version_id=report.version_id,
        features=[
            pb.FeatureDrift(
                feature=f.feature,
                psi=f.psi,
                ks_statistic=f.ks_statistic,
                ks_p_value=f.ks_p_value,
                training_sample_size=f.training_size,
                recent_sample_size=f.recent_size,
                level=LEVELS[f.level],
            )
            for f in report.features
        ],
        drift_score=report.score,
        drift_level=LEVELS[report.level],
        window=window_to_proto(report.window),
        prediction_count=report.prediction_count,
        live_accuracy=pb.LiveAccuracy(
            mase=live.get("mase", float("nan")),
            coverage_80=live.get("coverage_80", float("nan")),
            points=int(live.get("points", 0)),
        ),
        validation_metrics=metrics_to_proto(report.validation),
        degraded=report.degraded,
        compute_time=timestamp(report.computed_at),
    )
