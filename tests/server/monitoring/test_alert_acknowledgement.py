"""AcknowledgeAlert's note and who acknowledged, as ListAlerts, AcknowledgeAlert and WatchEvents show it."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import sqlalchemy as sa
from quantis.v1 import monitoring_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from server.db.enums import AlertKind, AlertSeverity
from server.domain.monitoring.alerts import AlertDraft
from tests.server.auth_helpers import user_token
from tests.server.financial.conftest import failure
from tests.server.monitoring.test_monitoring import Stub, bearer


def draft(key: str) -> AlertDraft:
    return AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.WARNING, key, f"Errors on {key}")


async def test_a_note_over_1000_characters_is_refused_naming_note(
    monitoring: Stub, application: Application
) -> None:
    analyst = bearer(await user_token(application, "quinn", Role.ANALYST))
    alert = await application.alerts.raise_alert(draft("error_rate:Predict"))
    found = await failure(
        monitoring.AcknowledgeAlert(
            pb.AcknowledgeAlertRequest(alert_id=alert.id, note="n" * 1001), metadata=analyst
        )
    )
    assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["note"])
    listed = await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=analyst)
    assert [a.state for a in listed.alerts] == [pb.ALERT_STATE_OPEN]  # nothing was acknowledged

    note = "é" * 1000  # characters, not bytes
    acked = await monitoring.AcknowledgeAlert(
        pb.AcknowledgeAlertRequest(alert_id=alert.id, note=note), metadata=analyst
    )
    assert acked.alert.acknowledge_note == note


async def test_acknowledged_by_is_the_username_wherever_the_alert_is_shown(
    monitoring: Stub, application: Application
) -> None:
    analyst = bearer(await user_token(application, "quinn", Role.ANALYST))
    alert = await application.alerts.raise_alert(draft("error_rate:Predict"))
    stream = monitoring.WatchEvents(pb.WatchEventsRequest(kinds=[pb.EVENT_KIND_ALERT]), metadata=analyst)
    assert (await asyncio.wait_for(stream.read(), 5)).event.WhichOneof("payload") == "heartbeat"

    acked = await monitoring.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=alert.id), metadata=analyst)
    assert acked.alert.acknowledged_by == "quinn"
    listed = await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=analyst)
    assert [a.acknowledged_by for a in listed.alerts] == ["quinn"]
    while (event := (await asyncio.wait_for(stream.read(), 5)).event).WhichOneof("payload") != "alert":
        pass
    assert event.alert.acknowledged_by == "quinn"
    stream.cancel()


async def test_listing_alerts_reads_their_acknowledgers_in_one_query(
    monitoring: Stub, application: Application
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    async def listed() -> tuple[list[str], int]:
        statements.clear()
        page = await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=first)
        return sorted(a.acknowledged_by for a in page.alerts), len(statements)

    first = bearer(await user_token(application, "ada", Role.ANALYST))
    alert = await application.alerts.raise_alert(draft("k0"))
    await monitoring.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=alert.id), metadata=first)
    sa.event.listen(application.db.engine, "before_cursor_execute", count)
    try:
        names, one = await listed()
        assert names == ["ada"]
        for index, username in enumerate(("bea", "cyd", "dan"), start=1):
            token = bearer(await user_token(application, username, Role.ANALYST))
            alert = await application.alerts.raise_alert(draft(f"k{index}"))
            await monitoring.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=alert.id), metadata=token)
        names, four = await listed()
    finally:
        sa.event.remove(application.db.engine, "before_cursor_execute", count)
    assert names == ["ada", "bea", "cyd", "dan"]
    assert four == one, statements
