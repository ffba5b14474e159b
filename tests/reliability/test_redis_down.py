"""Scenario 5: Redis down, on the server's own redis-server. What each feature does is the
table in docs/reliability.md; this test is that table, asserted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    model_service_pb2,
    model_service_pb2_grpc,
    monitoring_service_pb2,
    monitoring_service_pb2_grpc,
)

from tests.reliability.servers import USERNAME, error_reason, served
from tests.reliability.services import PrivateRedis
from tests.server.auth_helpers import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.redis]

BURST = 5

# docs/reliability.md, "Redis down": a feature and what its caller sees.
EXPECTED: dict[str, object] = {
    "bearer token call": "UNAVAILABLE CACHE_UNAVAILABLE",  # revocation cannot be checked: closed
    "api key calls past the burst": ["OK"],  # rate limits fail open
    "login": "OK",
    "watch events": "UNAVAILABLE CACHE_UNAVAILABLE",
    "health: cache component": "HEALTH_STATUS_NOT_SERVING",
    "bearer token call, Redis back": "OK",
    "watch events, Redis back": "OK",  # subscribed again: its first heartbeat arrives
}


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def outcome(call: object) -> str:
    """OK, or the status code name and ErrorInfo reason a call failed with."""
    try:
        if hasattr(call, "__iter__"):
            next(iter(call))  # type: ignore[call-overload]
        else:
            call()  # type: ignore[operator]
    except grpc.RpcError as error:
        return f"{error.code().name} {error_reason(error)}"  # type: ignore[attr-defined]
    return "OK"


def test_redis_down_fails_token_checks_closed_lets_rate_limits_open_and_recovers(
    tmp_path: Path, artifacts: list[Path], redis_server: PrivateRedis, figures: dict[str, object]
) -> None:
    limits = {"rate_limit_default_burst": str(BURST), "rate_limit_default_per_second": "0.01"}
    with served(tmp_path, artifacts, redis_url=redis_server.url, **limits) as running:
        bearer = running.metadata()
        with grpc.insecure_channel(running.address) as channel:
            auth = auth_service_pb2_grpc.AuthServiceStub(channel)
            models = model_service_pb2_grpc.ModelServiceStub(channel)
            monitoring = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
            secret = auth.CreateApiKey(
                auth_service_pb2.CreateApiKeyRequest(
                    name="ops", scopes=["models:read", "monitoring:read", "notifications:read"]
                ),
                metadata=bearer,
                timeout=30,
            ).secret
            api_key = (("x-api-key", secret),)
            get_model = model_service_pb2.GetModelRequest(model_id=running.model_id)

            def watch(metadata: object) -> object:
                return monitoring.WatchEvents(
                    monitoring_service_pb2.WatchEventsRequest(), metadata=metadata, timeout=3
                )

            # Redis up: the limit holds (BURST calls, then RESOURCE_EXHAUSTED).
            up = [
                outcome(lambda: models.GetModel(get_model, metadata=api_key, timeout=10))
                for _ in range(BURST + 2)
            ]
            redis_server.stop()
            table = {
                "bearer token call": outcome(lambda: models.GetModel(get_model, metadata=bearer, timeout=10)),
                "api key calls past the burst": sorted(
                    {
                        outcome(lambda: models.GetModel(get_model, metadata=api_key, timeout=10))
                        for _ in range(BURST + 2)
                    }
                ),
                "login": outcome(
                    lambda: auth.Login(
                        auth_service_pb2.LoginRequest(username=USERNAME, password=PASSWORD), timeout=10
                    )
                ),
                "watch events": outcome(watch(api_key)),
            }
            health = monitoring.GetSystemHealth(
                monitoring_service_pb2.GetSystemHealthRequest(), metadata=api_key, timeout=10
            )
            (cache,) = (c for c in health.components if c.name == "cache")
            table["health: cache component"] = monitoring_service_pb2.HealthStatus.Name(cache.status)
            redis_server.start()
            table["bearer token call, Redis back"] = outcome(
                lambda: models.GetModel(get_model, metadata=bearer, timeout=10)
            )
            table["watch events, Redis back"] = outcome(watch(api_key))
        assert running.server.stop() == 0
    figures.update(table)
    assert up == ["OK"] * BURST + ["RESOURCE_EXHAUSTED RATE_LIMITED"] * 2
    assert table == EXPECTED
