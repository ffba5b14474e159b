"""The filters of ListAlerts, ListAuditLogs and ListNotifications as SQL conditions.

The grammar is every list's (server.domain.filters).
Enums are their contract names (``ALERT_STATE_OPEN``), a status code its google.rpc.Code name
(``PERMISSION_DENIED``) and ``read`` is ``true`` or ``false``. Quoted audit log strings match
case-insensitively, ``*`` standing for any characters; the other lists' strings match exactly.
"""

from __future__ import annotations

import sqlalchemy as sa

from server.db.enums import AlertKind, AlertSeverity, AlertState, AuditOutcome, NotificationKind
from server.db.models import Alert, AuditLog, Notification
from server.domain import filters

# google.rpc.Code by name (domain code imports no *_pb2; a test compares the two).
STATUS_CODES = {
    "OK": 0,
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "OUT_OF_RANGE": 11,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
    "DATA_LOSS": 15,
    "UNAUTHENTICATED": 16,
}

ALERT_STATES = {f"ALERT_STATE_{state.name}": state for state in AlertState}
SEVERITIES = {f"ALERT_SEVERITY_{severity.name}": severity for severity in AlertSeverity}
ALERT_KINDS = {f"ALERT_KIND_{kind.name}": kind for kind in AlertKind}
OUTCOMES = {f"AUDIT_OUTCOME_{outcome.name}": outcome for outcome in AuditOutcome}
NOTIFICATION_KINDS = {f"NOTIFICATION_KIND_{kind.name}": kind for kind in NotificationKind}


def alert_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return filters.conditions(
        expression,
        {
            "state": filters.enum(Alert.state, ALERT_STATES),
            "severity": filters.enum(Alert.severity, SEVERITIES),
            "kind": filters.enum(Alert.kind, ALERT_KINDS),
            "model_id": filters.equals(Alert.model_id),
            "version_id": filters.equals(Alert.version_id),
            "component": filters.equals(Alert.component),
            "dedup_key": filters.equals(Alert.dedup_key),
            "create_time": filters.time(Alert.created_at),
            "update_time": filters.time(Alert.updated_at),
        },
    )


def audit_log_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return filters.conditions(
        expression,
        {
            "user_id": filters.glob(AuditLog.user_id, lowercase=True),  # ids: lowercase UUIDs
            "username": filters.glob(AuditLog.username),
            "action": filters.glob(AuditLog.action),
            "resource_type": filters.glob(AuditLog.resource_type),
            "resource_id": filters.glob(AuditLog.resource_id),
            "peer_address": filters.glob(AuditLog.peer),
            "trace_id": filters.glob(AuditLog.trace_id),
            "request_id": filters.glob(AuditLog.request_id),
            "outcome": filters.enum(AuditLog.outcome, OUTCOMES),
            "status_code": filters.enum(AuditLog.status_code, STATUS_CODES),
            "create_time": filters.time(AuditLog.created_at),
        },
    )


def notification_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return filters.conditions(
        expression,
        {
            "kind": filters.enum(Notification.kind, NOTIFICATION_KINDS),
            "read": filters.is_set(Notification.read_at),
            "resource_type": filters.equals(Notification.resource_type),
            "resource_id": filters.equals(Notification.resource_id),
            "create_time": filters.time(Notification.created_at),
        },
    )
