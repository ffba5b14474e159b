"""Periodic error-rate check: an alert per RPC failing through the server's fault too often.

Rates are over the calls since the previous check, read from this replica's RPC counters
(the ones Prometheus scrapes), so a burst of failures long ago does not keep an alert open.
"""

from __future__ import annotations

from server.db.enums import AlertKind, AlertSeverity
from server.domain.monitoring.alerts import AlertDraft, AlertService
from server.observability.metrics import RpcMetrics


def error_rate_key(method: str) -> str:
    return f"error_rate{method}"


class ErrorRateWatch:
    def __init__(self, metrics: RpcMetrics, alerts: AlertService, threshold: float, min_calls: int):
        self._metrics = metrics
        self._alerts = alerts
        self._threshold = threshold
        self._min_calls = min_calls
        self._previous: dict[str, tuple[float, float]] = {}

    async def check_once(self) -> dict[str, float]:
        """The error rate of each RPC with at least ``min_calls`` calls since the last check."""
        current = self._metrics.server_faults()
        rates = {}
        for method, (calls, faults) in current.items():
            before_calls, before_faults = self._previous.get(method, (0.0, 0.0))
            new_calls, new_faults = calls - before_calls, faults - before_faults
            if new_calls < self._min_calls:
                continue
            rate = rates[method] = new_faults / new_calls
            key = error_rate_key(method)
            if rate > self._threshold:
                await self._alerts.raise_alert(
                    AlertDraft(
                        AlertKind.ERROR_RATE,
                        AlertSeverity.WARNING,
                        key,
                        f"{method} is failing",
                        message=f"{int(new_faults)} of {int(new_calls)} calls failed through a server error.",
                        component=method,
                        value=rate,
                        threshold=self._threshold,
                    )
                )
            else:
                await self._alerts.resolve(key)
        self._previous = current
        return rates
