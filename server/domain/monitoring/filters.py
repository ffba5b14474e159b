"""The filters of ListAlerts, ListAuditLogs and ListNotifications as SQL conditions.

The grammar is the other lists' (``field op value`` joined by AND; server.domain.forecasting.listing).
Enums are their contract names (``ALERT_STATE_OPEN``), a status code its google.rpc.Code name
(``PERMISSION_DENIED``) and ``read`` is ``true`` or ``false``. Quoted audit log strings match
case-insensitively, ``*`` standing for any characters; the other lists' strings match exactly.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.db.enums import AlertKind, AlertSeverity, AlertState, AuditOutcome, NotificationKind
from server.db.models import Alert, AuditLog, Notification
from server.domain import auth_filters
from server.domain.forecasting import listing
from server.domain.forecasting.listing import Term

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


def _enum(column: Any, names: dict[str, Any]) -> listing.FieldRule:
    return lambda term: listing.enum_condition(term, column, names)


def _equals(column: Any) -> listing.FieldRule:
    def rule(term: Term) -> sa.ColumnElement[bool]:
        listing.need(term, "=")
        condition: sa.ColumnElement[bool] = column == term.value
        return condition

    return rule


def _time(column: Any) -> listing.FieldRule:
    return lambda term: listing.time_condition(term, column)


def alert_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return listing.conditions(
        expression,
        {
            "state": _enum(Alert.state, ALERT_STATES),
            "severity": _enum(Alert.severity, SEVERITIES),
            "kind": _enum(Alert.kind, ALERT_KINDS),
            "model_id": _equals(Alert.model_id),
            "version_id": _equals(Alert.version_id),
            "component": _equals(Alert.component),
            "dedup_key": _equals(Alert.dedup_key),
            "create_time": _time(Alert.created_at),
            "update_time": _time(Alert.updated_at),
        },
    )


def audit_log_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return listing.conditions(
        expression,
        {
            "user_id": auth_filters._glob(AuditLog.user_id),
            "username": auth_filters._glob(AuditLog.username),
            "action": auth_filters._glob(AuditLog.action),
            "resource_type": auth_filters._glob(AuditLog.resource_type),
            "resource_id": auth_filters._glob(AuditLog.resource_id),
            "peer_address": auth_filters._glob(AuditLog.peer),
            "trace_id": auth_filters._glob(AuditLog.trace_id),
            "request_id": auth_filters._glob(AuditLog.request_id),
            "outcome": _enum(AuditLog.outcome, OUTCOMES),
            "status_code": _enum(AuditLog.status_code, STATUS_CODES),
            "create_time": _time(AuditLog.created_at),
        },
    )


def notification_conditions(expression: str) -> list[sa.ColumnElement[bool]]:
    return listing.conditions(
        expression,
        {
            "kind": _enum(Notification.kind, NOTIFICATION_KINDS),
            "read": auth_filters._is_set(Notification.read_at),
            "resource_type": _equals(Notification.resource_type),
            "resource_id": _equals(Notification.resource_id),
            "create_time": _time(Notification.created_at),
        },
    )
