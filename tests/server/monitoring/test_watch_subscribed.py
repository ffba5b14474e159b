"""WatchEvents' first message is a heartbeat sent once the stream is subscribed, so a client knows
from when nothing is missed (and lists what came before without a gap), without waiting for the
periodic heartbeat."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from quantis.v1 import monitoring_service_pb2 as pb
from quantis.v1 import monitoring_service_pb2_grpc

from server.composition import Application
from server.db.enums import NotificationKind
from server.domain.monitoring.notifications import NotificationDraft
from server.settings import Settings
from tests.server.auth_helpers import user_token
from tests.server.monitoring.conftest import with_heartbeat
from tests.server.monitoring.test_monitoring import bearer, user_id


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    """No periodic heartbeat within the test: the only one is the first."""
    return with_heartbeat(backing_settings, 600)


async def test_the_first_message_says_the_stream_is_subscribed(
    monitoring: monitoring_service_pb2_grpc.MonitoringServiceStub,
    channel: grpc.aio.Channel,
    application: Application,
) -> None:
    token = await user_token(application, "sofia")
    owner_id = await user_id(channel, token)
    for attempt in range(3):  # each time, what is published right after the first message arrives
        stream = monitoring.WatchEvents(pb.WatchEventsRequest(), metadata=bearer(token))
        first = await asyncio.wait_for(stream.read(), 5)
        assert first.event.WhichOneof("payload") == "heartbeat"
        assert first.event.heartbeat.interval.seconds == 600
        await application.notifications.notify(
            owner_id, NotificationDraft(NotificationKind.ALERT, f"published at once {attempt}")
        )
        second = await asyncio.wait_for(stream.read(), 5)
        assert second.event.notification.title == f"published at once {attempt}"
        stream.cancel()
