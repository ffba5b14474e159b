"""The filter field of ListAlerts, ListAuditLogs and ListNotifications, as the contract describes it."""

from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import code_pb2
from quantis.v1 import monitoring_service_pb2 as pb
from sqlalchemy.orm import Session

from server.composition import Application
from server.db.base import Base
from server.db.enums import AlertKind, AlertSeverity, AuditOutcome, ModelType, NotificationKind
from server.db.models import AuditLog, Model, ModelVersion
from server.domain.audit import AuditLogWriter, AuditRecord
from server.domain.monitoring.alerts import AlertDraft
from server.domain.monitoring.filters import STATUS_CODES, audit_log_conditions
from server.domain.monitoring.notifications import NotificationDraft
from tests.server.auth_helpers import admin_token, user_token
from tests.server.financial.conftest import failure
from tests.server.monitoring.test_monitoring import Stub, bearer, user_id

EPOCH = '"2000-01-01T00:00:00Z"'


async def a_model_version(application: Application, owner_id: str) -> tuple[str, str]:
    def insert(session: Session) -> tuple[str, str]:
        model = Model(
            owner_id=owner_id, name="sales", model_type=ModelType.LSTM, target_column="v", horizon=1
        )
        session.add(model)
        session.flush()
        version = ModelVersion(model_id=model.id, number=1, artifact_path="")
        session.add(version)
        session.flush()
        return model.id, version.id

    return await application.db.run(insert)


async def test_alerts_filtered_by_every_field(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    token = await admin_token(application)
    admin = bearer(token)
    model_id, version_id = await a_model_version(application, await user_id(channel, token))
    alerts = application.alerts
    await alerts.raise_alert(
        AlertDraft(
            AlertKind.DRIFT,
            AlertSeverity.WARNING,
            "drift/m/v",
            "drift",
            model_id=model_id,
            version_id=version_id,
        )
    )
    await alerts.raise_alert(
        AlertDraft(
            AlertKind.COMPONENT_UNHEALTHY,
            AlertSeverity.CRITICAL,
            "component:redis",
            "redis",
            component="redis",
        )
    )
    errors = await alerts.raise_alert(
        AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.CRITICAL, "error_rate:Predict", "errors")
    )
    await monitoring.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=errors.id), metadata=admin)
    await alerts.raise_alert(AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.INFO, "error_rate:Old", "old"))
    assert await alerts.resolve("error_rate:Old")

    async def titles(expression: str, **typed: object) -> list[str]:
        page = await monitoring.ListAlerts(pb.ListAlertsRequest(filter=expression, **typed), metadata=admin)  # type: ignore[arg-type]
        assert page.total_size == len(page.alerts)
        return sorted(a.title for a in page.alerts)

    assert await titles("state = ALERT_STATE_OPEN") == ["drift", "redis"]
    assert await titles("state = ALERT_STATE_ACKNOWLEDGED") == ["errors"]
    assert await titles("state = ALERT_STATE_RESOLVED") == ["old"]
    assert await titles("severity = ALERT_SEVERITY_CRITICAL") == ["errors", "redis"]
    assert await titles("kind = ALERT_KIND_ERROR_RATE") == ["errors", "old"]
    assert await titles(f'model_id = "{model_id}"') == ["drift"]
    assert await titles(f'version_id = "{version_id}"') == ["drift"]
    assert await titles('component = "redis"') == ["redis"]
    assert await titles('dedup_key = "error_rate:Predict"') == ["errors"]
    assert await titles(f"create_time >= {EPOCH} AND severity = ALERT_SEVERITY_CRITICAL") == [
        "errors",
        "redis",
    ]
    assert await titles(f"update_time < {EPOCH}") == []
    assert await titles("severity = ALERT_SEVERITY_CRITICAL", state=pb.ALERT_STATE_OPEN) == ["redis"]
    assert await titles("") == ["drift", "errors", "old", "redis"]
    # The contract's own example, and != on a column system-wide alerts leave empty.
    assert await titles("state != ALERT_STATE_RESOLVED AND severity = ALERT_SEVERITY_CRITICAL") == [
        "errors",
        "redis",
    ]
    assert await titles(f'model_id != "{model_id}"') == ["errors", "old", "redis"]


async def test_audit_logs_filtered_by_every_field(monitoring: Stub, application: Application) -> None:
    admin = bearer(await admin_token(application))
    writer = AuditLogWriter(application.db)
    for record in (
        AuditRecord(
            "/quantis.v1.ModelService/DeleteModel",
            AuditOutcome.SUCCESS,
            code_pb2.OK,
            user_id="u1",
            username="ann",
            resource_type="model",
            resource_id="m1",
            peer="203.0.113.7:5000",
            trace_id="a" * 32,
            request_id="req-1",
        ),
        AuditRecord(
            "/quantis.v1.ModelService/DeployModel",
            AuditOutcome.DENIED,
            code_pb2.PERMISSION_DENIED,
            user_id="u2",
            username="bob",
            resource_type="model",
            resource_id="m2",
            peer="198.51.100.1:6000",
            request_id="req-2",
        ),
        AuditRecord(
            "/quantis.v1.AuthService/Login",
            AuditOutcome.DENIED,
            code_pb2.UNAUTHENTICATED,
            username="ghost",
            request_id="req-3",
        ),
        AuditRecord(
            "/quantis.v1.DatasetService/DeleteDataset",
            AuditOutcome.FAILURE,
            code_pb2.NOT_FOUND,
            user_id="u1",
            username="ann",
            resource_type="dataset",
            resource_id="d1",
            request_id="req-4",
        ),
    ):
        await writer.write(record)

    async def requests(expression: str, **typed: object) -> list[str]:
        request = pb.ListAuditLogsRequest(filter=expression, **typed)  # type: ignore[arg-type]
        page = await monitoring.ListAuditLogs(request, metadata=admin)
        assert page.total_size == len(page.audit_logs)
        return sorted(e.request_id for e in page.audit_logs)

    assert await requests('action = "/quantis.v1.ModelService/*" AND outcome = AUDIT_OUTCOME_DENIED') == [
        "req-2"
    ]
    assert await requests('user_id = "u1"') == ["req-1", "req-4"]
    assert await requests('username = "ANN"') == ["req-1", "req-4"]  # any case, as usernames are
    assert await requests('resource_type = "model"') == ["req-1", "req-2"]
    assert await requests('resource_id = "d*"') == ["req-4"]
    assert await requests('peer_address = "203.0.113.*"') == ["req-1"]
    assert await requests(f'trace_id = "{"a" * 32}"') == ["req-1"]
    assert await requests('request_id = "req-3"') == ["req-3"]
    assert await requests('request_id = "req_3"') == []  # "_" is a character, not a wildcard
    assert await requests("outcome = AUDIT_OUTCOME_DENIED") == ["req-2", "req-3"]
    assert await requests("status_code = PERMISSION_DENIED") == ["req-2"]
    assert await requests("status_code = OK") == ["req-1"]
    assert await requests(f"create_time >= {EPOCH} AND status_code = NOT_FOUND") == ["req-4"]
    assert await requests(f"create_time < {EPOCH}") == []
    # The contract's example: != on an enum, and on a pattern.
    assert await requests('action = "/quantis.v1.ModelService/*" AND outcome != AUDIT_OUTCOME_SUCCESS') == [
        "req-2"
    ]
    assert await requests('resource_type != "model"') == ["req-3", "req-4"]
    assert await requests('user_id = "u1"', outcome=pb.AUDIT_OUTCOME_FAILURE) == ["req-4"]
    assert await requests("") == ["req-1", "req-2", "req-3", "req-4"]


async def test_notifications_filtered_by_every_field(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    token = await user_token(application, "nora")
    owner_id = await user_id(channel, token)
    for kind, title, resource_type, resource_id in (
        (NotificationKind.TRAINING_JOB_FINISHED, "trained", "training_job", "j1"),
        (NotificationKind.BATCH_PREDICTION_FINISHED, "batch", "batch_prediction", "b1"),
        (NotificationKind.ALERT, "alert", "alert", "a1"),
    ):
        made = await application.notifications.notify(
            owner_id, NotificationDraft(kind, title, resource_type=resource_type, resource_id=resource_id)
        )
    await monitoring.MarkNotificationRead(
        pb.MarkNotificationReadRequest(notification_id=made.id), metadata=bearer(token)
    )

    async def titles(expression: str, **typed: object) -> list[str]:
        page = await monitoring.ListNotifications(
            pb.ListNotificationsRequest(filter=expression, **typed),  # type: ignore[arg-type]
            metadata=bearer(token),
        )
        assert page.total_size == len(page.notifications) and page.unread_count == 2  # whatever the filters
        return sorted(n.title for n in page.notifications)

    assert await titles("kind = NOTIFICATION_KIND_ALERT") == ["alert"]
    assert await titles("read = true") == ["alert"]
    assert await titles("read = false") == ["batch", "trained"]
    assert await titles('resource_type = "training_job"') == ["trained"]
    assert await titles('resource_id = "b1"') == ["batch"]
    assert await titles(f"create_time >= {EPOCH} AND read = false") == ["batch", "trained"]
    assert await titles(f"create_time < {EPOCH}") == []
    assert await titles("kind = NOTIFICATION_KIND_ALERT", unread_only=True) == []
    assert await titles("") == ["alert", "batch", "trained"]
    assert await titles("read != true") == ["batch", "trained"]


@pytest.mark.parametrize(
    ("rpc", "expression"),
    [
        ("ListAlerts", "state = OPEN"),
        ("ListAlerts", "state = ALERT_STATE_UNSPECIFIED"),
        ("ListAlerts", "severity > ALERT_SEVERITY_INFO"),
        ("ListAlerts", "owner = me"),
        ("ListAlerts", "((( garbage"),
        ("ListAlerts", 'update_time >= "yesterday"'),
        ("ListAuditLogs", "status_code = 7"),
        ("ListAuditLogs", "outcome = SUCCESS"),
        ("ListAuditLogs", 'create_time = "2024-01-01T00:00:00Z"'),
        ("ListAuditLogs", 'action = "' + "x" * 2000 + '"'),
        ("ListNotifications", "read = maybe"),
        ("ListNotifications", "kind = NOTIFICATION_KIND_UNSPECIFIED"),
        ("ListNotifications", 'title = "x"'),
    ],
)
async def test_a_bad_filter_names_the_filter_field(
    monitoring: Stub, application: Application, rpc: str, expression: str
) -> None:
    admin = bearer(await admin_token(application))
    request = getattr(pb, f"{rpc}Request")(filter=expression)
    found = await failure(getattr(monitoring, rpc)(request, metadata=admin))
    assert (found.code, found.reason, found.fields) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FILTER_INVALID",
        ["filter"],
    )


def test_status_code_names_are_google_rpc_codes() -> None:
    assert dict(code_pb2.Code.items()) == STATUS_CODES


def test_an_audit_log_user_id_filter_reads_through_its_index() -> None:
    """Ids are lowercase UUIDs: ``user_id = "..."`` compares the column itself, in any case the
    caller typed, so the (user_id, created_at) index finds the rows instead of a scan of
    ``lower(user_id)``; a ``*`` pattern still matches ignoring case."""
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[AuditLog.__table__])  # type: ignore[list-item]
    with engine.connect() as connection:
        connection.execute(
            sa.insert(AuditLog),
            [
                {"id": str(i), "user_id": f"{i:08x}-aaaa", "action": "a", "outcome": AuditOutcome.SUCCESS}
                for i in range(50)
            ],
        )

        def select(expression: str) -> sa.Select[tuple[str]]:
            where = audit_log_conditions(expression)
            return sa.select(AuditLog.id).where(*where).order_by(AuditLog.created_at.desc())

        exact = select('user_id = "0000002A-AAAA"')
        query = exact.compile(engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row[-1]) for row in connection.execute(sa.text(f"EXPLAIN QUERY PLAN {query}")))
        assert "ix_audit_logs_user_id_created_at" in plan, plan
        assert connection.execute(exact).scalars().all() == ["42"]
        assert connection.execute(select('user_id = "0000002A-*"')).scalars().all() == ["42"]
        assert len(connection.execute(select('user_id != "0000002a-aaaa"')).scalars().all()) == 49
