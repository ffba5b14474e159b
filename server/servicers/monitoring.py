"""MonitoringService: health, the audit log, alerts, notifications and live events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
from quantis.v1 import monitoring_service_pb2 as pb
from quantis.v1 import monitoring_service_pb2_grpc

from server.domain.monitoring.alerts import AlertFilter, AlertService
from server.domain.monitoring.audit_log import AuditFilter, AuditLogQuery
from server.domain.monitoring.drift_reports import DriftReports
from server.domain.monitoring.health import HealthService, Kind, Status
from server.domain.monitoring.live import LiveEvents
from server.domain.monitoring.notifications import NotificationService
from server.domain.monitoring.stats import SystemStats
from server.domain.pagination import page_request, token_scope
from server.mappers import monitoring as mappers
from server.mappers.common import ascending, duration, optional_datetime, timestamp
from server.mappers.drift import drift_report_to_proto, window_from_proto
from server.servicers.context import principal

Context = grpc.aio.ServicerContext[Any, Any]
HEALTH = {
    Status.SERVING: pb.HEALTH_STATUS_SERVING,
    Status.DEGRADED: pb.HEALTH_STATUS_DEGRADED,
    Status.NOT_SERVING: pb.HEALTH_STATUS_NOT_SERVING,
}
KINDS = {
    Kind.DATABASE: pb.COMPONENT_KIND_DATABASE,
    Kind.CACHE: pb.COMPONENT_KIND_CACHE,
    Kind.INFERENCE_BACKEND: pb.COMPONENT_KIND_INFERENCE_BACKEND,
    Kind.MODEL_VERSION: pb.COMPONENT_KIND_MODEL_VERSION,
    Kind.JOB_WORKERS: pb.COMPONENT_KIND_JOB_WORKERS,
    Kind.DISK: pb.COMPONENT_KIND_DISK,
}


class MonitoringServicer(monitoring_service_pb2_grpc.MonitoringServiceServicer):
    """quantis.v1.MonitoringService."""

    def __init__(
        self,
        health: HealthService,
        notifications: NotificationService,
        alerts: AlertService,
        audit_log: AuditLogQuery,
        live: LiveEvents,
        stats: SystemStats,
        drift: DriftReports,
    ):
        self._health = health
        self._notifications = notifications
        self._alerts = alerts
        self._audit_log = audit_log
        self._live = live
        self._stats = stats
        self._drift = drift

    async def GetSystemHealth(
        self, request: pb.GetSystemHealthRequest, context: Context
    ) -> pb.GetSystemHealthResponse:
        overall, components = await self._health.check()
        return pb.GetSystemHealthResponse(
            status=HEALTH[overall],
            check_time=timestamp(datetime.now(UTC)),
            components=[
                pb.ComponentHealth(
                    name=c.name,
                    kind=KINDS[c.kind],
                    status=HEALTH[c.status],
                    latency=duration(c.latency_seconds),
                    message=c.message,
                    check_time=timestamp(c.checked_at),
                )
                for c in components
            ],
        )

    async def GetSystemStats(
        self, request: pb.GetSystemStatsRequest, context: Context
    ) -> pb.GetSystemStatsResponse:
        snapshot = await self._stats.snapshot()
        return pb.GetSystemStatsResponse(
            instance=snapshot.instance,
            start_time=timestamp(snapshot.started_at),
            uptime=duration(snapshot.uptime_seconds),
            rpc_stats=[
                pb.RpcStats(
                    method=r.method,
                    request_count=r.requests,
                    error_count=r.errors,
                    error_rate=r.errors / r.requests if r.requests else 0.0,
                    latency_p50=duration(r.p50),
                    latency_p95=duration(r.p95),
                    latency_p99=duration(r.p99),
                )
                for r in snapshot.rpcs
            ],
            active_streams=snapshot.active_streams,
            process_cpu_percent=snapshot.cpu_percent,
            resident_memory_bytes=snapshot.resident_bytes,
            resource_counts=pb.ResourceCounts(**snapshot.counts),
        )

    async def ListAuditLogs(
        self, request: pb.ListAuditLogsRequest, context: Context
    ) -> pb.ListAuditLogsResponse:
        where = AuditFilter(
            user_id=request.user_id,
            action=request.action,
            resource_type=request.resource_type,
            resource_id=request.resource_id,
            outcome=mappers.outcome_from_proto(request.outcome, "outcome"),
            start=optional_datetime(
                request.time_range.start_time,
                request.time_range.HasField("start_time"),
                "time_range.start_time",
            ),
            end=optional_datetime(
                request.time_range.end_time, request.time_range.HasField("end_time"), "time_range.end_time"
            ),
            expression=request.filter,
            ascending=ascending(request.sort_order, "sort_order"),
        )
        entries, token, total = await self._audit_log.list(
            where, page_request(request.page_size, request.page_token, token_scope("ListAuditLogs", where))
        )
        return pb.ListAuditLogsResponse(
            audit_logs=[mappers.audit_log_to_proto(e) for e in entries],
            next_page_token=token,
            total_size=total,
        )

    async def GetModelDrift(
        self, request: pb.GetModelDriftRequest, context: Context
    ) -> pb.GetModelDriftResponse:
        report = await self._drift.report(
            principal(), request.model_id, request.version_id, window_from_proto(request)
        )
        return drift_report_to_proto(report)

    async def ListAlerts(self, request: pb.ListAlertsRequest, context: Context) -> pb.ListAlertsResponse:
        where = AlertFilter(
            state=mappers.alert_state_from_proto(request.state, "state"),
            severity=mappers.severity_from_proto(request.severity, "severity"),
            kind=mappers.alert_kind_from_proto(request.kind, "kind"),
            model_id=request.model_id,
            version_id=request.version_id,
            expression=request.filter,
        )
        found, token, total = await self._alerts.list(
            principal(),
            where,
            # "created": the order the tokens follow (they once followed updated_at; those are refused).
            page_request(request.page_size, request.page_token, token_scope("ListAlerts", "created", where)),
        )
        return pb.ListAlertsResponse(
            alerts=[mappers.alert_to_proto(a) for a in found], next_page_token=token, total_size=total
        )

    async def AcknowledgeAlert(
        self, request: pb.AcknowledgeAlertRequest, context: Context
    ) -> pb.AcknowledgeAlertResponse:
        alert = await self._alerts.acknowledge(principal(), request.alert_id, request.note)
        return pb.AcknowledgeAlertResponse(alert=mappers.alert_to_proto(alert))

    async def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: Context
    ) -> pb.ListNotificationsResponse:
        found = await self._notifications.list(
            principal(),
            page_request(
                request.page_size,
                request.page_token,
                token_scope("ListNotifications", request.unread_only, request.filter),
            ),
            request.unread_only,
            request.filter,
        )
        return pb.ListNotificationsResponse(
            notifications=[mappers.notification_to_proto(n) for n in found.items],
            next_page_token=found.next_page_token,
            total_size=found.total,
            unread_count=found.unread,
        )

    async def MarkNotificationRead(
        self, request: pb.MarkNotificationReadRequest, context: Context
    ) -> pb.MarkNotificationReadResponse:
        notification = await self._notifications.mark_read(principal(), request.notification_id)
        return pb.MarkNotificationReadResponse(notification=mappers.notification_to_proto(notification))

    async def DeleteNotification(
        self, request: pb.DeleteNotificationRequest, context: Context
    ) -> pb.DeleteNotificationResponse:
        await self._notifications.delete(principal(), request.notification_id)
        return pb.DeleteNotificationResponse()

    async def WatchEvents(
        self, request: pb.WatchEventsRequest, context: Context
    ) -> AsyncIterator[pb.WatchEventsResponse]:
        wanted = {mappers.event_kind_from_proto(k, f"kinds[{i}]") for i, k in enumerate(request.kinds)}
        caller = principal()
        async for event in self._live.watch(caller, wanted or set(mappers.EVENT_TYPES.values())):
            alert = None
            if event.get("type") == "alert":
                alert = await self._alerts.get(caller, str(event["id"]))
                if alert is None:  # another user's model's alert
                    continue
            yield mappers.event_to_proto(event, alert, self._live.heartbeat_seconds)
