"""MonitoringService messages from and to domain objects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from quantis.v1 import monitoring_service_pb2 as pb

from server.db.enums import AlertKind, AlertSeverity, AlertState, AuditOutcome, NotificationKind
from server.db.models import AuditLog, Notification
from server.domain.monitoring.alerts import AlertView
from server.errors import InvalidArgument
from server.mappers.common import duration, from_wire, timestamp
from server.state.events import Event

NOTIFICATION_KINDS = {
    NotificationKind.TRAINING_JOB_FINISHED: pb.NOTIFICATION_KIND_TRAINING_JOB_FINISHED,
    NotificationKind.BATCH_PREDICTION_FINISHED: pb.NOTIFICATION_KIND_BATCH_PREDICTION_FINISHED,
    NotificationKind.ALERT: pb.NOTIFICATION_KIND_ALERT,
}
ALERT_KINDS = {
    AlertKind.DRIFT: pb.ALERT_KIND_DRIFT,
    AlertKind.ACCURACY_DEGRADED: pb.ALERT_KIND_ACCURACY_DEGRADED,
    AlertKind.ERROR_RATE: pb.ALERT_KIND_ERROR_RATE,
    AlertKind.COMPONENT_UNHEALTHY: pb.ALERT_KIND_COMPONENT_UNHEALTHY,
}
SEVERITIES = {
    AlertSeverity.INFO: pb.ALERT_SEVERITY_INFO,
    AlertSeverity.WARNING: pb.ALERT_SEVERITY_WARNING,
    AlertSeverity.CRITICAL: pb.ALERT_SEVERITY_CRITICAL,
}
ALERT_STATES = {
    AlertState.OPEN: pb.ALERT_STATE_OPEN,
    AlertState.ACKNOWLEDGED: pb.ALERT_STATE_ACKNOWLEDGED,
    AlertState.RESOLVED: pb.ALERT_STATE_RESOLVED,
}
OUTCOMES = {
    AuditOutcome.SUCCESS: pb.AUDIT_OUTCOME_SUCCESS,
    AuditOutcome.DENIED: pb.AUDIT_OUTCOME_DENIED,
    AuditOutcome.FAILURE: pb.AUDIT_OUTCOME_FAILURE,
}
JOB_STATES = {
    "queued": pb.TRAINING_JOB_EVENT_STATE_QUEUED,
    "running": pb.TRAINING_JOB_EVENT_STATE_RUNNING,
    "succeeded": pb.TRAINING_JOB_EVENT_STATE_SUCCEEDED,
    "failed": pb.TRAINING_JOB_EVENT_STATE_FAILED,
    "cancelled": pb.TRAINING_JOB_EVENT_STATE_CANCELLED,
}
EVENT_TYPES = {
    pb.EVENT_KIND_NOTIFICATION: "notification",
    pb.EVENT_KIND_ALERT: "alert",
    pb.EVENT_KIND_TRAINING_JOB: "training_job",
}


outcome_from_proto = from_wire(OUTCOMES)
alert_state_from_proto = from_wire(ALERT_STATES)
severity_from_proto = from_wire(SEVERITIES)
alert_kind_from_proto = from_wire(ALERT_KINDS)
_event_kind = from_wire({name: number for number, name in EVENT_TYPES.items()})


def event_kind_from_proto(number: int, field: str) -> str:
    """The bus event type of an EventKind; INVALID_ARGUMENT naming ``field`` for UNSPECIFIED too."""
    found = _event_kind(number, field)
    if found is None:
        raise InvalidArgument.field(field, "EVENT_KIND_UNSPECIFIED is not a kind of event")
    return found


def notification_to_proto(notification: Notification) -> pb.Notification:
    return pb.Notification(
        notification_id=notification.id,
        kind=NOTIFICATION_KINDS[notification.kind],
        title=notification.title,
        body=notification.body,
        resource_type=notification.resource_type,
        resource_id=notification.resource_id,
        read=notification.read_at is not None,
        create_time=timestamp(notification.created_at),
    )


def alert_to_proto(view: AlertView) -> pb.Alert:
    alert = view.alert
    return pb.Alert(
        alert_id=alert.id,
        kind=ALERT_KINDS[alert.kind],
        severity=SEVERITIES[alert.severity],
        state=ALERT_STATES[alert.state],
        title=alert.title,
        message=alert.message,
        model_id=alert.model_id or "",
        version_id=alert.version_id or "",
        component=alert.component,
        value=alert.value,
        threshold=alert.threshold,
        dedup_key=alert.dedup_key,
        create_time=timestamp(alert.created_at),
        update_time=timestamp(alert.updated_at),
        acknowledged_by=view.acknowledged_by,
        acknowledge_time=timestamp(alert.acknowledged_at),
        resolve_time=timestamp(alert.resolved_at),
        occurrences=alert.occurrences,
        acknowledge_note=alert.acknowledge_note,
    )


def audit_log_to_proto(entry: AuditLog) -> pb.AuditLog:
    return pb.AuditLog(
        audit_log_id=entry.id,
        user_id=entry.user_id or "",
        username=entry.username,
        action=entry.action,
        resource_type=entry.resource_type,
        resource_id=entry.resource_id,
        outcome=OUTCOMES[entry.outcome],
        status_code=entry.status_code,
        peer_address=entry.peer,
        trace_id=entry.trace_id,
        request_id=entry.request_id,
        details=entry.details,
        create_time=timestamp(entry.created_at),
    )


def event_to_proto(event: Event, alert: AlertView | None, heartbeat_seconds: float) -> pb.WatchEventsResponse:
    """A bus event as a WatchEvents message (alerts are read back whole from the database)."""
    message = pb.Event(event_id=uuid.uuid4().hex, create_time=timestamp(datetime.now(UTC)))
    kind = event.get("type")
    if kind == "notification":
        message.notification.CopyFrom(
            pb.Notification(
                notification_id=str(event["id"]),
                kind=NOTIFICATION_KINDS[NotificationKind(str(event["kind"]))],
                title=str(event["title"]),
                body=str(event["body"]),
                resource_type=str(event["resource_type"]),
                resource_id=str(event["resource_id"]),
                read=bool(event["read"]),
                create_time=timestamp(datetime.fromisoformat(str(event["created_at"]))),
            )
        )
    elif kind == "alert" and alert is not None:
        message.alert.CopyFrom(alert_to_proto(alert))
    elif kind == "training_job":
        message.training_job.CopyFrom(
            pb.TrainingJobEvent(
                job_id=str(event.get("job_id", "")),
                model_id=str(event.get("model_id", "")),
                state=JOB_STATES.get(str(event.get("state", "")), pb.TRAINING_JOB_EVENT_STATE_UNSPECIFIED),
                message=str(event.get("message", "")),
                version_id=str(event.get("version_id", "")),
            )
        )
    else:
        message.heartbeat.CopyFrom(pb.Heartbeat(interval=duration(heartbeat_seconds)))
    return pb.WatchEventsResponse(event=message)
