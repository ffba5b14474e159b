"""Alerts: raised (deduplicated), listed, acknowledged, resolved."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.bulk import insert_or_update
from server.db.database import Database
from server.db.enums import AlertKind, AlertSeverity, AlertState
from server.db.models import Alert, Model, User
from server.db.models.monitoring import OPEN_ALERT
from server.domain.monitoring.filters import alert_conditions
from server.domain.pagination import PageRequest, fetch_page
from server.errors import FailedPrecondition, InvalidArgument, NotFound
from server.state.events import EventBus

ALERTS_CHANNEL = "alerts"
MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class AlertDraft:
    """A condition to alert on; the same ``dedup_key`` updates one open alert."""

    kind: AlertKind
    severity: AlertSeverity
    dedup_key: str
    title: str
    message: str = ""
    model_id: str | None = None
    version_id: str | None = None
    component: str = ""
    value: float = 0.0
    threshold: float = 0.0


@dataclass(frozen=True)
class AlertFilter:
    state: AlertState | None = None
    severity: AlertSeverity | None = None
    kind: AlertKind | None = None
    model_id: str = ""
    version_id: str = ""
    expression: str = ""  # the filter field (server.domain.monitoring.filters)


@dataclass(frozen=True)
class AlertView:
    """An alert as callers see it: with the username of who acknowledged it ("" if nobody has)."""

    alert: Alert
    acknowledged_by: str


def alert_event(alert: Alert) -> dict[str, object]:
    return {"type": "alert", "id": alert.id, "state": alert.state.value, "severity": alert.severity.value}


class AlertService:
    def __init__(
        self, db: Database, bus: EventBus, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self._db = db
        self._bus = bus
        self._now = clock

    async def raise_alert(self, draft: AlertDraft) -> Alert:
        """Open an alert, or count another occurrence of the open one with the same key.

        One statement (insert ... on conflict on the partial unique index), so
        replicas firing the same condition at once still make a single alert.
        """
        now = self._now()

        def upsert(session: Session) -> Alert:
            values = {
                "id": Alert().id,
                "kind": draft.kind,
                "severity": draft.severity,
                "state": AlertState.OPEN,
                "title": draft.title[:200],
                "message": draft.message,
                "model_id": draft.model_id,
                "version_id": draft.version_id,
                "component": draft.component,
                "value": draft.value,
                "threshold": draft.threshold,
                "dedup_key": draft.dedup_key,
                "occurrences": 1,
                "created_at": now,
                "updated_at": now,
            }
            statement = insert_or_update(session, Alert).values(**values)
            upsert = statement.on_conflict_do_update(
                index_elements=[Alert.dedup_key],
                index_where=OPEN_ALERT,
                set_={
                    "occurrences": Alert.occurrences + 1,
                    "value": statement.excluded.value,
                    "severity": statement.excluded.severity,
                    "message": statement.excluded.message,
                    "updated_at": now,
                },
            ).returning(Alert.id)
            alert_id = session.execute(upsert).scalar_one()
            session.expire_all()
            alert = session.get(Alert, alert_id)
            assert alert is not None
            return alert

        alert = await self._db.run(upsert)
        await self._bus.publish(ALERTS_CHANNEL, alert_event(alert))
        return alert

    async def list(
        self, principal: Principal, where: AlertFilter, page: PageRequest
    ) -> tuple[list[AlertView], str, int]:
        """The alerts ``principal`` may see that match ``where``, newest first: by created_at, which
        never changes, so an alert acknowledged, resolved or firing again between two pages stays
        where it was instead of jumping over the page token (updated_at would move it)."""
        filtered = alert_conditions(where.expression)

        def query(session: Session) -> tuple[list[AlertView], str, int]:
            selected = sa.select(Alert).where(_visible_to(principal), *filtered)
            for column, value in (
                (Alert.state, where.state),
                (Alert.severity, where.severity),
                (Alert.kind, where.kind),
                (Alert.model_id, where.model_id or None),
                (Alert.version_id, where.version_id or None),
            ):
                if value is not None:
                    selected = selected.where(column == value)
            alerts, token, total = fetch_page(session, selected, Alert, page)
            return _views(session, alerts), token, total

        return await self._db.run(query)

    async def get(self, principal: Principal, alert_id: str) -> AlertView | None:
        """The alert, if it exists and ``principal`` may see it."""

        def get(session: Session) -> AlertView | None:
            alert = session.scalar(sa.select(Alert).where(Alert.id == alert_id, _visible_to(principal)))
            return None if alert is None else _views(session, [alert])[0]

        return await self._db.run(get)

    async def acknowledge(self, principal: Principal, alert_id: str, note: str) -> AlertView:
        if len(note) > MAX_NOTE_LENGTH:
            raise InvalidArgument.field("note", f"at most {MAX_NOTE_LENGTH} characters")

        def acknowledge(session: Session) -> tuple[AlertView, bool]:
            alert = session.scalar(sa.select(Alert).where(Alert.id == alert_id, _visible_to(principal)))
            if alert is None:
                raise NotFound("alert", alert_id)
            if alert.state is AlertState.RESOLVED:
                raise FailedPrecondition("the alert is already resolved", reason="ALERT_RESOLVED")
            changed = alert.state is AlertState.OPEN
            if changed:
                alert.state = AlertState.ACKNOWLEDGED
                alert.acknowledged_by = principal.user_id
                alert.acknowledged_at = self._now()
                alert.acknowledge_note = note
            return _views(session, [alert])[0], changed

        acknowledged, changed = await self._db.run(acknowledge)
        if changed:  # acknowledging it again changes nothing, so there is nothing to announce
            await self._bus.publish(ALERTS_CHANNEL, alert_event(acknowledged.alert))
        return acknowledged

    async def resolve(self, dedup_key: str) -> bool:
        """Resolve the unresolved alert with this key, if any (its condition has cleared)."""

        def resolve(session: Session) -> Alert | None:
            alert = session.scalar(sa.select(Alert).where(Alert.dedup_key == dedup_key, OPEN_ALERT))
            if alert is not None:
                alert.state = AlertState.RESOLVED
                alert.resolved_at = self._now()
            return alert

        resolved = await self._db.run(resolve)
        if resolved is None:
            return False
        await self._bus.publish(ALERTS_CHANNEL, alert_event(resolved))
        return True


def _views(session: Session, alerts: Sequence[Alert]) -> list[AlertView]:
    """``alerts`` with the usernames of who acknowledged them, read in one query."""
    ids = {alert.acknowledged_by for alert in alerts if alert.acknowledged_by}
    query = sa.select(User.id, User.username).where(User.id.in_(ids))
    names = {user_id: username for user_id, username in session.execute(query)} if ids else {}
    return [AlertView(alert, names.get(alert.acknowledged_by or "", "")) for alert in alerts]


def _visible_to(principal: Principal) -> sa.ColumnElement[bool]:
    """Admins see every alert; others see system-wide ones and those of their own models."""
    if principal.is_admin:
        return sa.true()
    own_models = sa.select(Model.id).where(Model.owner_id == principal.user_id)
    return sa.or_(Alert.model_id.is_(None), Alert.model_id.in_(own_models))
