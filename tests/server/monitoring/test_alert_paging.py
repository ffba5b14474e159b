"""ListAlerts pages newest first by when each alert was raised, a key that never changes: an alert
acknowledged, resolved or firing again while a client walks the pages is listed exactly once."""

from __future__ import annotations

from quantis.v1 import monitoring_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from server.db.enums import AlertKind, AlertSeverity
from server.domain.monitoring.alerts import AlertDraft
from tests.server.auth_helpers import admin_token, user_token
from tests.server.monitoring.test_monitoring import Stub, bearer
from tests.server.pages import every_page


def draft(title: str) -> AlertDraft:
    return AlertDraft(AlertKind.ERROR_RATE, AlertSeverity.WARNING, f"error_rate:{title}", title)


async def test_alerts_are_listed_newest_first_across_pages(
    monitoring: Stub, application: Application
) -> None:
    analyst = bearer(await user_token(application, "sven", Role.ANALYST))
    for title in ("first", "second", "third"):
        await application.alerts.raise_alert(draft(title))
    await application.alerts.raise_alert(draft("first"))  # fires again: the same alert, in its place

    titles = await every_page(
        lambda token: monitoring.ListAlerts(
            pb.ListAlertsRequest(page_size=1, page_token=token), metadata=analyst
        ),
        lambda page: [a.title for a in page.alerts],
    )
    assert titles == ["third", "second", "first"]


async def test_alerts_that_change_between_pages_are_each_listed_once(
    monitoring: Stub, application: Application
) -> None:
    admin = bearer(await admin_token(application))
    raised = {}
    for title in ("first", "second", "third", "fourth", "fifth"):
        raised[title] = await application.alerts.raise_alert(draft(title))

    async def page(token: str) -> pb.ListAlertsResponse:
        return await monitoring.ListAlerts(
            pb.ListAlertsRequest(page_size=2, page_token=token), metadata=admin
        )

    one = await page("")
    assert [a.title for a in one.alerts] == ["fifth", "fourth"]
    # Between the pages: one alert not listed yet fires again, one is acknowledged, one resolves,
    # and one already listed fires again too.
    await application.alerts.raise_alert(draft("first"))
    await monitoring.AcknowledgeAlert(
        pb.AcknowledgeAlertRequest(alert_id=raised["second"].id), metadata=admin
    )
    assert await application.alerts.resolve("error_rate:third")
    await application.alerts.raise_alert(draft("fifth"))
    two = await page(one.next_page_token)
    three = await page(two.next_page_token) if two.next_page_token else pb.ListAlertsResponse()

    titles = [a.title for a in (*one.alerts, *two.alerts, *three.alerts)]
    assert titles == ["fifth", "fourth", "third", "second", "first"]
    assert not three.next_page_token
    states = {a.title: a.state for a in (*two.alerts, *three.alerts)}
    assert states == {
        "third": pb.ALERT_STATE_RESOLVED,
        "second": pb.ALERT_STATE_ACKNOWLEDGED,
        "first": pb.ALERT_STATE_OPEN,
    }
