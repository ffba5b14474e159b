"""An RPC failing through server errors opens an error-rate alert; recovering resolves it."""

from __future__ import annotations

import grpc
from quantis.v1 import monitoring_service_pb2 as pb

from server.auth.permissions import Role
from server.composition import Application
from server.domain.monitoring.error_rates import ErrorRateWatch
from tests.server.auth_helpers import user_token
from tests.server.monitoring.test_monitoring import Stub, bearer

PREDICT = "/quantis.v1.PredictionService/Predict"


def calls(application: Application, code: str, n: int) -> None:
    """What the request-context interceptor records for ``n`` finished Predict calls."""
    for _ in range(n):
        application.metrics.record(PREDICT, "unary", code, 0.01)


async def test_server_errors_above_the_threshold_alert_until_calls_succeed_again(
    monitoring: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    admin = await user_token(application, "root_ops", Role.ADMIN)
    watch = ErrorRateWatch(application.metrics, application.alerts, threshold=0.05, min_calls=20)

    calls(application, "OK", 15)
    calls(application, "INVALID_ARGUMENT", 10)  # the callers' mistakes are not the server's errors
    assert await watch.check_once() == {PREDICT: 0.0}
    calls(application, "OK", 18)
    calls(application, "UNAVAILABLE", 2)
    assert await watch.check_once() == {PREDICT: 0.1}
    [alert] = (await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=bearer(admin))).alerts
    assert alert.kind == pb.ALERT_KIND_ERROR_RATE and alert.component == PREDICT
    assert alert.value == 0.1 and alert.threshold == 0.05 and alert.state == pb.ALERT_STATE_OPEN

    calls(application, "OK", 5)
    assert await watch.check_once() == {}  # too few calls since the last check to judge
    calls(application, "OK", 20)
    assert await watch.check_once() == {PREDICT: 0.0}
    [resolved] = (await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=bearer(admin))).alerts
    assert resolved.alert_id == alert.alert_id and resolved.state == pb.ALERT_STATE_RESOLVED
