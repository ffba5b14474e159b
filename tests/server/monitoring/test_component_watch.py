"""An unhealthy component opens an alert and turns grpc.health.v1 NOT_SERVING; recovery undoes both."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.app import watch_components
from server.composition import Application
from server.db.enums import AlertState
from server.domain.monitoring.alerts import AlertFilter
from server.domain.monitoring.health import HealthService, Kind, NamedCheck, Status
from server.domain.monitoring.watch import ComponentWatch
from server.domain.pagination import page_request
from server.grpc_server import LIVENESS_SERVICE, RunningServer
from tests.server.security_helpers import ADMIN


class Switch:
    def __init__(self) -> None:
        self.up = True

    async def __call__(self) -> tuple[Status, str]:
        if not self.up:
            raise ConnectionError("connection refused")
        return Status.SERVING, "ok"


async def test_database_outage_alerts_and_flips_health(
    application: Application, running_server: RunningServer, channel: grpc.aio.Channel
) -> None:
    database = Switch()
    watch = ComponentWatch(
        HealthService([NamedCheck("database", Kind.DATABASE, database)]), application.alerts
    )
    probe = health_pb2_grpc.HealthStub(channel)
    watcher = asyncio.create_task(watch_components(running_server, watch, interval=0.05))
    try:
        database.up = False
        await _until(probe, health_pb2.HealthCheckResponse.NOT_SERVING)
        alerts, _, _ = await application.alerts.list(ADMIN, AlertFilter(), page_request(0, ""))
        assert [(a.alert.dedup_key, a.alert.state) for a in alerts] == [
            ("component:database", AlertState.OPEN)
        ]
        assert "connection refused" in alerts[0].alert.message
        # Liveness is not readiness: a database outage is no reason to restart the process.
        live = await probe.Check(health_pb2.HealthCheckRequest(service=LIVENESS_SERVICE))
        assert live.status == health_pb2.HealthCheckResponse.SERVING

        database.up = True
        await _until(probe, health_pb2.HealthCheckResponse.SERVING)
        alerts, _, _ = await application.alerts.list(ADMIN, AlertFilter(), page_request(0, ""))
        assert [a.alert.state for a in alerts] == [AlertState.RESOLVED]
    finally:
        watcher.cancel()


async def _until(probe: health_pb2_grpc.HealthStub, status: int) -> None:
    for _ in range(100):
        if (await probe.Check(health_pb2.HealthCheckRequest(service=""))).status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"health never became {status}")
