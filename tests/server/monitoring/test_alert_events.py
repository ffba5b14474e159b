"""WatchEvents carries each change of an alert's state, and only changes: resolved too, a repeat
acknowledgement not."""

from __future__ import annotations

import asyncio
from typing import Any

from quantis.v1 import monitoring_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from server.db.enums import AlertKind, AlertSeverity
from server.domain.monitoring.alerts import AlertDraft
from tests.server.auth_helpers import user_token
from tests.server.monitoring.test_monitoring import Stub, bearer

KEY = "error_rate:Predict"


async def watching(monitoring: Stub, metadata: Any) -> Any:
    """An open WatchEvents stream of alerts, past its first heartbeat (so it is subscribed)."""
    stream = monitoring.WatchEvents(pb.WatchEventsRequest(kinds=[pb.EVENT_KIND_ALERT]), metadata=metadata)
    assert (await asyncio.wait_for(stream.read(), 5)).event.WhichOneof("payload") == "heartbeat"
    return stream


async def next_alert(stream: Any) -> pb.Alert:
    """The next alert event's alert, skipping heartbeats; TimeoutError if none comes in time."""

    async def read() -> pb.Alert:
        while (event := (await stream.read()).event).WhichOneof("payload") != "alert":
            pass
        alert: pb.Alert = event.alert
        return alert

    return await asyncio.wait_for(read(), 5)


async def test_an_alert_that_is_resolved_is_streamed_as_resolved(
    monitoring: Stub, application: Application
) -> None:
    analyst = bearer(await user_token(application, "rory", Role.ANALYST))
    stream = await watching(monitoring, analyst)
    alert = await application.alerts.raise_alert(
        AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.WARNING, KEY, "Errors on Predict")
    )
    opened = await next_alert(stream)
    assert (opened.alert_id, opened.state) == (alert.id, pb.ALERT_STATE_OPEN)

    assert await application.alerts.resolve(KEY)
    resolved = await next_alert(stream)
    assert (resolved.alert_id, resolved.state) == (alert.id, pb.ALERT_STATE_RESOLVED)
    stream.cancel()


async def test_acknowledging_an_acknowledged_alert_again_streams_nothing(
    monitoring: Stub, application: Application
) -> None:
    analyst = bearer(await user_token(application, "rory", Role.ANALYST))
    alert = await application.alerts.raise_alert(
        AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.WARNING, KEY, "Errors on Predict")
    )
    stream = await watching(monitoring, analyst)
    request = pb.AcknowledgeAlertRequest(alert_id=alert.id, note="looking")
    first = await monitoring.AcknowledgeAlert(request, metadata=analyst)
    acknowledged = await next_alert(stream)
    assert acknowledged.state == pb.ALERT_STATE_ACKNOWLEDGED

    again = await monitoring.AcknowledgeAlert(request, metadata=analyst)
    assert again.alert == first.alert  # unchanged, as documented
    # The next alert event is the resolution, not a second acknowledgement.
    assert await application.alerts.resolve(KEY)
    following = await next_alert(stream)
    assert (following.alert_id, following.state) == (alert.id, pb.ALERT_STATE_RESOLVED)
    stream.cancel()
