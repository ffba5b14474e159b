"""What the ways into an account share (Login, VerifyMfa, and the current password at
ChangePassword): a wrong password or code counted towards the lockout, and a session opened
under the per-user cap, with the access tokens of the sessions that ended revoked at once."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.tokens import TokenCodec
from server.db.models import User
from server.domain import sessions
from server.domain.account_rules import AccountPolicy, ClientInfo
from server.domain.sessions import IssuedTokens
from server.state.revocation import RevocationStore

# A new session's tokens, and the sessions the per-user cap ended to make room.
Opened = tuple[IssuedTokens, list[str]]

log = logging.getLogger("server.domain")


class SignIns:
    def __init__(self, codec: TokenCodec, revocations: RevocationStore, policy: AccountPolicy):
        self._codec = codec
        self._revocations = revocations
        self._policy = policy

    async def forget_sessions(self, session_ids: list[str]) -> None:
        """Make access tokens of ended sessions fail at once, not only when they expire."""
        ttl = self._policy.access_lifetime.total_seconds()
        for session_id in session_ids:
            await self._revocations.revoke("session:" + session_id, ttl)

    def open_session(self, session: Session, user: User, now: datetime, client: ClientInfo) -> Opened:
        user.last_login_at = now
        return sessions.start_session(
            session,
            user,
            codec=self._codec,
            lifetime=self._policy.session_lifetime,
            cap=self._policy.max_sessions,
            now=now,
            peer=client.peer,
            user_agent=client.user_agent,
        )

    async def opened(self, opened: Opened) -> IssuedTokens:
        tokens, ended_by_cap = opened
        try:
            await self.forget_sessions(ended_by_cap)
        except Exception:
            # Login needs the database only: the sessions the cap ended are ended there (their
            # refresh tokens fail); only their access tokens live on, for their short lifetime.
            log.warning("could not revoke the access tokens of sessions the cap ended", exc_info=True)
        return tokens

    def record_failure(self, session: Session, user: User, now: datetime) -> None:
        """Count a wrong password or code; lock the account at the policy's count. The count is
        added to in the database, so concurrent failures each count."""
        failures = session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(failed_login_count=User.failed_login_count + 1)
            .returning(User.failed_login_count)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        user.failed_login_count = failures
        if failures >= self._policy.lockout_failures:
            user.locked_until = now + self._policy.lockout_duration
            user.failed_login_count = 0
