"""Monitoring tests run on the embedded defaults and on PostgreSQL with Redis."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import monitoring_service_pb2_grpc

from server.settings import Settings
from tests.server.conftest import make_settings


def with_heartbeat(backing_settings: Settings, seconds: float) -> Settings:
    """``backing_settings`` with WatchEvents' heartbeat every ``seconds``."""
    return make_settings(
        backing_settings.data_dir,
        backing_settings.database_url,
        backing_settings.redis_url,
        events_heartbeat_seconds=seconds,
    )


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    """A short heartbeat so a test can see one."""
    return with_heartbeat(backing_settings, 0.3)


@pytest.fixture
def monitoring(channel: grpc.aio.Channel) -> monitoring_service_pb2_grpc.MonitoringServiceStub:
    return monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
