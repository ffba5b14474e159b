"""User administration, one's own sessions, and the first admin (what it takes to have an admin,
and to keep one, is in server.domain.admins)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.permissions import Role
from server.auth.principal import Principal
from server.db.database import Database
from server.db.models import ApiKey, User, UserSession
from server.domain import sessions
from server.domain.account_rules import validate_email
from server.domain.accounts import AccountService
from server.domain.admins import (
    INITIAL_ADMIN_USERNAME,
    admin_count,
    initial_password,
    keep_an_admin,
    write_password_file,
)
from server.domain.auth_filters import session_conditions, user_conditions
from server.domain.pagination import PageRequest, count, fetch_page, paginate, split_page
from server.domain.search_terms import search_text
from server.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound

log = logging.getLogger("server.domain")

MAX_USERNAME_LENGTH = 50
# Sessions are listed most recently used first: a session is used when it opens and at each
# refresh (access tokens are checked without the database, so their use is not recorded).
_LAST_USED = sa.func.coalesce(UserSession.last_used_at, UserSession.created_at)


@dataclass(frozen=True)
class UserFilter:
    role: Role | None = None
    active: bool | None = None
    username_contains: str = ""
    expression: str = ""  # the filter field (server.domain.auth_filters)


@dataclass(frozen=True)
class UserChanges:
    """Fields an admin may change; None leaves a field as it is."""

    role: Role | None = None
    active: bool | None = None
    email: str | None = None


class UserService:
    def __init__(
        self,
        db: Database,
        accounts: AccountService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._accounts = accounts
        self._now = clock

    # --- one's own sessions -----------------------------------------------------

    async def list_sessions(
        self, principal: Principal, page: PageRequest, expression: str = ""
    ) -> tuple[list[UserSession], str, int]:
        now = self._now()
        filtered = session_conditions(expression, principal.session_id or "")

        def query(session: Session) -> tuple[list[UserSession], str, int]:
            live = sa.select(UserSession).where(
                UserSession.user_id == principal.user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
                *filtered,
            )
            rows = session.scalars(paginate(live, UserSession, page, key=_LAST_USED)).all()
            items, token = split_page(rows, page, key_of=lambda login: login.last_used_at or login.created_at)
            return items, token, count(session, live)

        return await self._db.run(query)

    async def revoke_session(self, principal: Principal, session_id: str) -> None:
        def revoke(session: Session) -> None:
            login = session.get(UserSession, session_id)
            if login is None or login.user_id != principal.user_id:
                raise NotFound("session", session_id)
            sessions.revoke_sessions(session, [login], self._now())

        await self._db.run(revoke)
        await self._accounts.forget_sessions([session_id])

    # --- administration ---------------------------------------------------------

    async def list_users(self, page: PageRequest, where: UserFilter) -> tuple[list[User], str, int]:
        if len(where.username_contains) > MAX_USERNAME_LENGTH:
            # No username is longer, and SQLite refuses LIKE patterns past 50,000 bytes.
            raise InvalidArgument.field("username", f"at most {MAX_USERNAME_LENGTH} characters")
        try:
            search_text(where.username_contains)
        except ValueError as exc:
            raise InvalidArgument.field("username", str(exc)) from exc

        filtered = user_conditions(where.expression)

        def query(session: Session) -> tuple[list[User], str, int]:
            selected = sa.select(User).where(User.deleted_at.is_(None), *filtered)
            if where.role is not None:
                selected = selected.where(User.role == where.role)
            if where.active is not None:
                selected = selected.where(User.active.is_(where.active))
            if where.username_contains:
                selected = selected.where(
                    User.username_key.contains(where.username_contains.lower(), autoescape=True)
                )
            return fetch_page(session, selected, User, page, ascending=True)  # oldest first

        return await self._db.run(query)

    async def get_user(self, user_id: str) -> User:
        return await self._db.run(lambda session: self._get(session, user_id))

    async def update_user(self, admin: Principal, user_id: str, changes: UserChanges) -> User:
        if changes.email is not None:
            validate_email(changes.email)
        now = self._now()

        def update(session: Session) -> tuple[User, list[str]]:
            user = self._get(session, user_id)
            demoted = changes.role not in (None, Role.ADMIN) or changes.active is False
            if user.role is Role.ADMIN and demoted:
                keep_an_admin(session, user.id)
            access_changed = (
                changes.role is not None and changes.role != user.role
            ) or changes.active is False
            if changes.role is not None:
                user.role = changes.role
            if changes.active is not None:
                user.active = changes.active
                if changes.active:
                    user.locked_until = None
                    user.failed_login_count = 0
            if changes.email is not None:
                user.email = changes.email
            session.flush()
            if not access_changed:  # an email change ends no session
                return user, []
            sessions.revoke_sessions(session, sessions.active_sessions(session, user.id, now), now)
            return user, sessions.with_live_access(session, user.id, now, self._accounts.access_lifetime)

        try:
            user, ended = await self._db.run(update)
        except IntegrityError as exc:
            raise AlreadyExists("email is already taken", reason="ACCOUNT_EXISTS") from exc
        await self._accounts.forget_sessions(ended)
        return user

    async def delete_user(self, admin: Principal, user_id: str) -> None:
        if user_id == admin.user_id:
            raise FailedPrecondition("you cannot delete your own account", reason="SELF_DELETE")

        def delete(session: Session) -> list[str]:
            user = self._get(session, user_id)
            if user.role is Role.ADMIN:
                keep_an_admin(session, user.id)
            now = self._now()
            sessions.revoke_sessions(session, sessions.active_sessions(session, user.id, now), now)
            ended = sessions.with_live_access(session, user.id, now, self._accounts.access_lifetime)
            session.execute(
                sa.update(ApiKey)
                .where(ApiKey.owner_id == user.id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            # The row stays: the user's datasets, models, predictions and transactions refer to
            # it, and admins keep seeing them. What it held as an account goes.
            user.deleted_at = now
            user.active = False
            user.password_hash = ""
            user.mfa_enabled, user.mfa_secret = False, None
            user.email = ""
            user.username_key = user.email_key = f"~deleted~{user.id}"  # free for new accounts
            return ended

        ended = await self._db.run(delete)
        await self._accounts.forget_sessions(ended)

    # --- the first admin --------------------------------------------------------

    async def ensure_admin(self, username: str, email: str, password: str) -> bool:
        """Create this admin unless an admin already exists; True if one was created."""
        if await self._db.run(admin_count):
            return False
        user = await self._accounts.register(username, email, password, role=Role.ADMIN)
        log.info("created the first admin", extra={"username": user.username})
        return True

    async def ensure_initial_admin(self, password_file: Path) -> bool:
        """With no admin yet, create "admin" with a random password stored only in ``password_file``.

        For a development server started with no settings at all: the password is
        never logged; the file is readable by its owner alone.
        """
        password = initial_password()
        if not await self.ensure_admin(INITIAL_ADMIN_USERNAME, "admin@localhost.localdomain", password):
            return False
        await asyncio.to_thread(write_password_file, password_file, password)
        log.info(
            "the first admin's password is in a file",
            extra={"username": INITIAL_ADMIN_USERNAME, "file": str(password_file)},
        )
        return True

    @staticmethod
    def _get(session: Session, user_id: str) -> User:
        user = session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound("user", user_id)
        return user
