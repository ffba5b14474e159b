"""Notifications, live events, alerts, the audit log and component health over a real channel."""

from __future__ import annotations

import asyncio
import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families
from quantis.v1 import auth_service_pb2, auth_service_pb2_grpc, common_pb2, monitoring_service_pb2_grpc
from quantis.v1 import monitoring_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from server.db.enums import AlertKind, AlertSeverity, NotificationKind
from server.domain.monitoring.alerts import AlertDraft
from server.domain.monitoring.notifications import NotificationDraft
from tests.server.auth_helpers import user_token
from tests.server.pages import every_page

Stub = monitoring_service_pb2_grpc.MonitoringServiceStub


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def user_id(channel: grpc.aio.Channel, token: str) -> str:
    me = await auth_service_pb2_grpc.AuthServiceStub(channel).GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=bearer(token)
    )
    return str(me.user.user_id)


async def test_notifications_are_listed_marked_and_deleted_by_their_owner_only(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    owner, other = await user_token(application, "nora"), await user_token(application, "oscar")
    owner_id = await user_id(channel, owner)
    for title in ("first", "second"):
        await application.notifications.notify(
            owner_id,
            NotificationDraft(NotificationKind.TRAINING_JOB_FINISHED, title, resource_type="training_job"),
        )
    listed = await monitoring.ListNotifications(pb.ListNotificationsRequest(), metadata=bearer(owner))
    assert [n.title for n in listed.notifications] == ["second", "first"] and listed.unread_count == 2
    first_id = listed.notifications[1].notification_id

    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await monitoring.MarkNotificationRead(
            pb.MarkNotificationReadRequest(notification_id=first_id), metadata=bearer(other)
        )
    assert foreign.value.code() is grpc.StatusCode.NOT_FOUND
    assert not (
        await monitoring.ListNotifications(pb.ListNotificationsRequest(), metadata=bearer(other))
    ).notifications

    read = await monitoring.MarkNotificationRead(
        pb.MarkNotificationReadRequest(notification_id=first_id), metadata=bearer(owner)
    )
    assert read.notification.read
    unread = await monitoring.ListNotifications(
        pb.ListNotificationsRequest(unread_only=True), metadata=bearer(owner)
    )
    assert [n.title for n in unread.notifications] == ["second"] and unread.unread_count == 1
    await monitoring.DeleteNotification(
        pb.DeleteNotificationRequest(notification_id=first_id), metadata=bearer(owner)
    )
    assert (
        await monitoring.ListNotifications(pb.ListNotificationsRequest(), metadata=bearer(owner))
    ).total_size == 1


async def test_watch_events_delivers_notifications_and_alerts_live(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    token = await user_token(application, "paula")
    owner_id = await user_id(channel, token)
    stream = monitoring.WatchEvents(pb.WatchEventsRequest(), metadata=bearer(token))
    first = await asyncio.wait_for(stream.read(), 5)
    assert first.event.WhichOneof("payload") == "heartbeat"  # the stream is open and idle

    await application.notifications.notify(
        owner_id, NotificationDraft(NotificationKind.ALERT, "drift on sales")
    )
    await application.alerts.raise_alert(
        AlertDraft(AlertKind.COMPONENT_UNHEALTHY, AlertSeverity.CRITICAL, "component:redis", "Redis is down")
    )
    payloads: dict[str, pb.Event] = {}
    while len(payloads) < 2:
        response = await asyncio.wait_for(stream.read(), 5)
        kind = response.event.WhichOneof("payload")
        if kind != "heartbeat":
            payloads[str(kind)] = response.event
    assert payloads["notification"].notification.title == "drift on sales"
    assert payloads["alert"].alert.title == "Redis is down"
    stream.cancel()


async def test_watch_events_sends_only_the_alerts_the_caller_may_see(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    from tests.server.monitoring.test_list_filters import a_model_version

    watcher = await user_token(application, "wanda")
    others_model, others_version = await a_model_version(
        application, await user_id(channel, await user_token(application, "xavier"))
    )
    stream = monitoring.WatchEvents(
        pb.WatchEventsRequest(kinds=[pb.EVENT_KIND_ALERT]), metadata=bearer(watcher)
    )
    assert (await asyncio.wait_for(stream.read(), 5)).event.WhichOneof("payload") == "heartbeat"
    await application.alerts.raise_alert(
        AlertDraft(
            AlertKind.DRIFT,
            AlertSeverity.WARNING,
            f"drift/{others_model}",
            "drift on xavier's model",
            model_id=others_model,
            version_id=others_version,
        )
    )
    await application.alerts.raise_alert(
        AlertDraft(AlertKind.COMPONENT_UNHEALTHY, AlertSeverity.CRITICAL, "component:redis", "Redis is down")
    )
    titles = []
    while not titles:
        response = await asyncio.wait_for(stream.read(), 5)
        if response.event.WhichOneof("payload") == "alert":
            titles.append(response.event.alert.title)
    assert titles == ["Redis is down"]  # published after the other, so that one was left out
    stream.cancel()


async def test_alerts_deduplicate_and_are_acknowledged(monitoring: Stub, application: Application) -> None:
    analyst = await user_token(application, "quinn", Role.ANALYST)
    draft = AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.WARNING, "error_rate:Predict", "Errors", value=0.2)
    first = await application.alerts.raise_alert(draft)
    again = await application.alerts.raise_alert(draft)
    assert again.id == first.id and again.occurrences == 2
    listed = await monitoring.ListAlerts(
        pb.ListAlertsRequest(state=pb.ALERT_STATE_OPEN), metadata=bearer(analyst)
    )
    assert [a.alert_id for a in listed.alerts] == [first.id]
    acked = await monitoring.AcknowledgeAlert(
        pb.AcknowledgeAlertRequest(alert_id=first.id, note="looking"), metadata=bearer(analyst)
    )
    assert acked.alert.state == pb.ALERT_STATE_ACKNOWLEDGED and acked.alert.acknowledge_note == "looking"
    assert acked.alert.acknowledged_by
    assert await application.alerts.resolve("error_rate:Predict")
    fresh = await application.alerts.raise_alert(draft)
    assert fresh.id != first.id and fresh.occurrences == 1


async def test_audit_log_is_filtered_and_admin_only(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    admin = await user_token(application, "root_auditor", Role.ADMIN)
    viewer = await user_token(application, "rita")
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    await auth.CreateApiKey(
        auth_service_pb2.CreateApiKeyRequest(name="k", scopes=["account:manage"]), metadata=bearer(viewer)
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await auth.Login(auth_service_pb2.LoginRequest(username="rita", password="Wrong-Passw0rd!"))
    logs = await monitoring.ListAuditLogs(
        pb.ListAuditLogsRequest(action="/quantis.v1.AuthService/CreateApiKey"), metadata=bearer(admin)
    )
    assert [(e.username, e.outcome) for e in logs.audit_logs] == [("rita", pb.AUDIT_OUTCOME_SUCCESS)]
    failures = await monitoring.ListAuditLogs(
        pb.ListAuditLogsRequest(outcome=pb.AUDIT_OUTCOME_DENIED), metadata=bearer(admin)
    )
    assert any(e.action.endswith("/Login") and "Wrong-Passw0rd!" not in str(e) for e in failures.audit_logs)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await monitoring.ListAuditLogs(pb.ListAuditLogsRequest(), metadata=bearer(viewer))
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_system_health_reports_each_component(monitoring: Stub, application: Application) -> None:
    token = await user_token(application, "sam")
    health = await monitoring.GetSystemHealth(pb.GetSystemHealthRequest(), metadata=bearer(token))
    components = {c.name: c for c in health.components}
    assert {"database", "cache", "data directory"} <= set(components)
    assert components["database"].status == pb.HEALTH_STATUS_SERVING
    assert components["database"].latency.ToNanoseconds() > 0
    assert health.status in (pb.HEALTH_STATUS_SERVING, pb.HEALTH_STATUS_DEGRADED)


async def test_system_stats_and_the_metrics_endpoint_agree(
    monitoring: Stub, application: Application
) -> None:
    token = await user_token(application, "tess")
    for _ in range(3):
        await monitoring.GetSystemHealth(pb.GetSystemHealthRequest(), metadata=bearer(token))
    with pytest.raises(grpc.aio.AioRpcError):
        await monitoring.ListAuditLogs(pb.ListAuditLogsRequest(), metadata=bearer(token))
    stats = await monitoring.GetSystemStats(pb.GetSystemStatsRequest(), metadata=bearer(token))
    by_method = {r.method: r for r in stats.rpc_stats}
    health = by_method["/quantis.v1.MonitoringService/GetSystemHealth"]
    assert health.request_count == 3 and health.error_count == 0 and health.latency_p99.ToNanoseconds() > 0
    denied = by_method["/quantis.v1.MonitoringService/ListAuditLogs"]
    assert denied.error_count == 1 and denied.error_rate == 1.0
    assert (
        stats.resource_counts.users == 1
        and stats.resident_memory_bytes > 0
        and stats.uptime.ToNanoseconds() > 0
    )

    server, thread = application.metrics.serve_http("127.0.0.1", 0)
    try:
        body = await asyncio.to_thread(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5).read()
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    handled = [
        s
        for s in families["grpc_server_handled"].samples
        if s.labels["grpc_method"] == "GetSystemHealth" and s.labels["grpc_code"] == "OK"
    ]
    assert [s.value for s in handled] == [3.0]
    assert "grpc_server_handling_seconds" in families and "grpc_server_started" in families


async def test_audit_logs_are_listed_in_the_order_asked_for(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    admin = bearer(await user_token(application, "root_order", Role.ADMIN))
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    for name in ("k1", "k2", "k3"):
        await auth.CreateApiKey(
            auth_service_pb2.CreateApiKeyRequest(name=name, scopes=["account:manage"]), metadata=admin
        )

    async def listed(order: int) -> list[str]:
        action = "/quantis.v1.AuthService/CreateApiKey"
        return await every_page(
            lambda token: monitoring.ListAuditLogs(
                pb.ListAuditLogsRequest(action=action, sort_order=order, page_size=2, page_token=token),  # type: ignore[arg-type]
                metadata=admin,
            ),
            lambda page: [e.audit_log_id for e in page.audit_logs],
        )

    newest_first = await listed(common_pb2.SORT_ORDER_UNSPECIFIED)
    assert len(newest_first) == 3
    assert await listed(common_pb2.SORT_ORDER_ASCENDING) == newest_first[::-1]
    assert await listed(common_pb2.SORT_ORDER_DESCENDING) == newest_first
