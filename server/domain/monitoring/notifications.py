"""Notifications for one user: stored, listed, marked read, and pushed live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.db.database import Database
from server.db.enums import NotificationKind
from server.db.models import Notification
from server.domain.monitoring.filters import notification_conditions
from server.domain.pagination import PageRequest, count, fetch_page
from server.errors import NotFound
from server.state.events import EventBus


def user_channel(user_id: str) -> str:
    """The bus channel of one user's live events."""
    return f"user:{user_id}"


@dataclass(frozen=True)
class NotificationDraft:
    kind: NotificationKind
    title: str
    body: str = ""
    resource_type: str = ""
    resource_id: str = ""


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    next_page_token: str
    total: int
    unread: int


def notification_event(notification: Notification) -> dict[str, object]:
    return {
        "type": "notification",
        "id": notification.id,
        "kind": notification.kind.value,
        "title": notification.title,
        "body": notification.body,
        "resource_type": notification.resource_type,
        "resource_id": notification.resource_id,
        "read": notification.read_at is not None,
        "created_at": notification.created_at.isoformat(),
    }


class NotificationService:
    def __init__(
        self, db: Database, bus: EventBus, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self._db = db
        self._bus = bus
        self._now = clock

    async def notify(self, owner_id: str, draft: NotificationDraft) -> Notification:
        """Store a notification and push it to the owner's live streams on every replica."""

        def store(session: Session) -> Notification:
            notification = Notification(
                owner_id=owner_id,
                kind=draft.kind,
                title=draft.title[:200],
                body=draft.body,
                resource_type=draft.resource_type,
                resource_id=draft.resource_id,
            )
            session.add(notification)
            session.flush()
            return notification

        notification = await self._db.run(store)
        await self._bus.publish(user_channel(owner_id), notification_event(notification))
        return notification

    async def list(
        self, principal: Principal, page: PageRequest, unread_only: bool, expression: str = ""
    ) -> NotificationPage:
        """``expression`` is the filter field (server.domain.monitoring.filters); the unread count
        ignores it, as it ignores ``unread_only``."""
        filtered = notification_conditions(expression)

        def query(session: Session) -> NotificationPage:
            own = sa.select(Notification).where(Notification.owner_id == principal.user_id)
            unread = own.where(Notification.read_at.is_(None))
            selected = (unread if unread_only else own).where(*filtered)
            items, token, total = fetch_page(session, selected, Notification, page)
            return NotificationPage(items, token, total, count(session, unread))

        return await self._db.run(query)

    async def mark_read(self, principal: Principal, notification_id: str) -> Notification:
        def mark(session: Session) -> Notification:
            notification = _own(session, principal, notification_id)
            notification.read_at = notification.read_at or self._now()
            return notification

        return await self._db.run(mark)

    async def delete(self, principal: Principal, notification_id: str) -> None:
        await self._db.run(lambda session: session.delete(_own(session, principal, notification_id)))


def _own(session: Session, principal: Principal, notification_id: str) -> Notification:
    """Only the owner's notification; anyone else's is as good as missing."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.owner_id != principal.user_id:
        raise NotFound("notification", notification_id)
    return notification
