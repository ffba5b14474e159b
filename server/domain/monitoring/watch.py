"""Periodic component checks: an alert while a component is unhealthy, resolved when it recovers."""

from __future__ import annotations

from server.db.enums import AlertKind, AlertSeverity
from server.domain.monitoring.alerts import AlertDraft, AlertService
from server.domain.monitoring.health import ComponentHealth, HealthService, Kind, Status


class ComponentWatch:
    """One round of checks; the caller decides how often (server.app runs it every few seconds)."""

    def __init__(self, health: HealthService, alerts: AlertService):
        self._health = health
        self._alerts = alerts
        self._unhealthy: set[str] = set()

    async def check_once(self) -> tuple[bool, list[ComponentHealth]]:
        """Whether the server can serve (its database answers), and every component's health."""
        _, components = await self._health.check()
        for component in components:
            key = f"component:{component.name}"
            if component.status is Status.NOT_SERVING:
                await self._raise(component, key)
                self._unhealthy.add(key)
            elif key in self._unhealthy:
                await self._resolve(key)
                self._unhealthy.discard(key)
        database_up = all(c.status is not Status.NOT_SERVING for c in components if c.kind is Kind.DATABASE)
        return database_up, components

    async def _raise(self, component: ComponentHealth, key: str) -> None:
        try:
            await self._alerts.raise_alert(
                AlertDraft(
                    AlertKind.COMPONENT_UNHEALTHY,
                    AlertSeverity.CRITICAL,
                    key,
                    f"{component.name} is not serving",
                    message=component.message,
                    component=component.name,
                )
            )
        except Exception:  # the alert store may be the component that is down
            return

    async def _resolve(self, key: str) -> None:
        try:
            await self._alerts.resolve(key)
        except Exception:
            return
