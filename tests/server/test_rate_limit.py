"""The rate-limit interceptor: one bucket per (rate class, caller), in memory and in Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    monitoring_service_pb2,
    monitoring_service_pb2_grpc,
    prediction_service_pb2,
    prediction_service_pb2_grpc,
)
from redis.asyncio import Redis

from server.contracts import method_rules
from server.interceptors.auth import AuthInterceptor
from server.interceptors.rate_limit import RateLimitInterceptor
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from server.settings import Settings
from server.state.rate_limit import Limit, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.server.security_helpers import (
    FakeAuthenticator,
    bare_servicers,
    bearer,
    detail,
    failure,
    reason,
    serving,
)

# Slow refill, so a test's calls never earn a token back while it runs.
LIMITS = {
    "default": Limit(rate=0.01, burst=3),
    "auth": Limit(rate=0.01, burst=2),
    "prediction": Limit(rate=0.01, burst=5),
}
VIEWER = bearer("viewer-token")
ADMIN = bearer("admin-token")
VIEWER_KEY = (("x-api-key", "qk_viewer-key"),)


class Counting(auth_service_pb2_grpc.AuthServiceServicer):
    def __init__(self) -> None:
        self.calls = 0

    async def Login(
        self, request: auth_service_pb2.LoginRequest, context: object
    ) -> auth_service_pb2.LoginResponse:
        self.calls += 1
        return auth_service_pb2.LoginResponse()

    async def GetCurrentUser(
        self, request: auth_service_pb2.GetCurrentUserRequest, context: object
    ) -> auth_service_pb2.GetCurrentUserResponse:
        self.calls += 1
        return auth_service_pb2.GetCurrentUserResponse()


class Predicting(prediction_service_pb2_grpc.PredictionServiceServicer):
    async def Predict(
        self, request: prediction_service_pb2.PredictRequest, context: object
    ) -> prediction_service_pb2.PredictResponse:
        return prediction_service_pb2.PredictResponse()


class Watching(monitoring_service_pb2_grpc.MonitoringServiceServicer):
    async def WatchEvents(
        self, request: monitoring_service_pb2.WatchEventsRequest, context: object
    ) -> AsyncIterator[monitoring_service_pb2.WatchEventsResponse]:
        yield monitoring_service_pb2.WatchEventsResponse()


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    request.applymarker(pytest.mark.redis)
    redis = Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisRateLimiter(redis, prefix=f"test:{uuid.uuid4().hex}:rate:")
    finally:
        await redis.aclose()


@pytest.fixture
def counting() -> Counting:
    return Counting()


@pytest.fixture
def servicers(counting: Counting) -> Servicers:
    return bare_servicers(auth=counting, prediction=Predicting(), monitoring=Watching())


@pytest.fixture
def interceptors(limiter: RateLimiter) -> list[WrappingInterceptor]:
    rules = method_rules()
    return [AuthInterceptor(rules, FakeAuthenticator()), RateLimitInterceptor(rules, limiter, LIMITS)]


@pytest.fixture
def auth(channel: grpc.aio.Channel) -> auth_service_pb2_grpc.AuthServiceStub:
    return auth_service_pb2_grpc.AuthServiceStub(channel)


async def _use_up_default(auth: auth_service_pb2_grpc.AuthServiceStub, metadata: object) -> None:
    for _ in range(LIMITS["default"].burst):
        await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=metadata)


async def test_exceeding_the_burst_is_resource_exhausted_with_a_retry_delay(
    auth: auth_service_pb2_grpc.AuthServiceStub, counting: Counting
) -> None:
    await _use_up_default(auth, VIEWER)
    error = await failure(auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=VIEWER))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    info = detail(error, error_details_pb2.ErrorInfo)
    assert (info.reason, dict(info.metadata)) == ("RATE_LIMITED", {"rate_class": "default"})
    delay = detail(error, error_details_pb2.RetryInfo).retry_delay.ToTimedelta().total_seconds()
    assert 0 < delay <= 1 / LIMITS["default"].rate
    assert counting.calls == LIMITS["default"].burst  # the refused call never reached the servicer


async def test_each_principal_has_its_own_bucket(auth: auth_service_pb2_grpc.AuthServiceStub) -> None:
    await _use_up_default(auth, VIEWER)
    await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=ADMIN)


async def test_an_api_key_has_a_bucket_apart_from_its_user(channel: grpc.aio.Channel) -> None:
    predict = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict
    for _ in range(LIMITS["prediction"].burst):
        await predict(prediction_service_pb2.PredictRequest(), metadata=VIEWER)
    error = await failure(predict(prediction_service_pb2.PredictRequest(), metadata=VIEWER))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    await predict(prediction_service_pb2.PredictRequest(), metadata=VIEWER_KEY)


async def test_each_rate_class_has_its_own_bucket(
    channel: grpc.aio.Channel, auth: auth_service_pb2_grpc.AuthServiceStub
) -> None:
    await _use_up_default(auth, VIEWER)
    await prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
        prediction_service_pb2.PredictRequest(), metadata=VIEWER
    )
    error = await failure(
        monitoring_service_pb2_grpc.MonitoringServiceStub(channel).WatchEvents(
            monitoring_service_pb2.WatchEventsRequest(), metadata=VIEWER
        )
    )
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED  # a stream counts in its class too


async def test_anonymous_calls_count_against_the_callers_address(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    for _ in range(LIMITS["auth"].burst):
        await auth.Login(auth_service_pb2.LoginRequest(username="someone"))
    # Another username from the same address draws from the same bucket.
    error = await failure(auth.Login(auth_service_pb2.LoginRequest(username="someone_else")))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert reason(error) == "RATE_LIMITED"
    assert detail(error, error_details_pb2.ErrorInfo).metadata["rate_class"] == "auth"
    await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=VIEWER)


async def test_unauthenticated_calls_are_refused_before_they_are_counted(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    for _ in range(LIMITS["default"].burst + 2):
        error = await failure(auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest()))
        assert error.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_health_checking_is_not_limited(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for _ in range(10):
        await stub.Check(health_pb2.HealthCheckRequest())


class BrokenLimiter:
    async def acquire(self, key: str, limit: Limit) -> float | None:
        raise ConnectionError("redis is down")


async def test_a_failing_limiter_lets_calls_through_and_is_logged(
    servicers: Servicers, caplog: pytest.LogCaptureFixture
) -> None:
    rules = method_rules()
    broken = [
        AuthInterceptor(rules, FakeAuthenticator()),
        RateLimitInterceptor(rules, BrokenLimiter(), LIMITS),
    ]
    async with serving(servicers, broken) as channel:
        stub = auth_service_pb2_grpc.AuthServiceStub(channel)
        for _ in range(LIMITS["default"].burst + 1):
            await stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=VIEWER)
    logged = [r for r in caplog.records if r.name == "server.rate_limit"]
    assert logged and "redis is down" in str(logged[0].exc_info[1] if logged[0].exc_info else "")


def test_a_rate_class_without_a_limit_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="prediction"):
        RateLimitInterceptor(
            method_rules(), MemoryRateLimiter(), {"default": LIMITS["default"], "auth": LIMITS["auth"]}
        )


def test_the_settings_give_every_rate_class_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUANTIS_RATE_LIMIT_AUTH_PER_MINUTE", "90")
    monkeypatch.setenv("QUANTIS_TRUSTED_PROXIES", '["10.0.0.0/8", "fd00::/8"]')
    settings = Settings()
    limits = settings.rate_limits()
    assert limits["auth"] == Limit(rate=1.5, burst=settings.rate_limit_auth_burst)
    RateLimitInterceptor(
        method_rules(), MemoryRateLimiter(), limits, trusted_proxies=settings.trusted_proxies
    )
    assert [str(network) for network in settings.trusted_proxies] == ["10.0.0.0/8", "fd00::/8"]
