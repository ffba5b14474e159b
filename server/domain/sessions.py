"""Login sessions and their rotating refresh tokens.

A session starts at login and lasts until it expires, is revoked, or is pushed
out by the per-user cap. Each refresh token is used once: refreshing marks it
used and issues its successor in the same family. A used or revoked token
presented again means it leaked, so the whole family and its session end.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.tokens import TokenCodec, digest, new_secret
from server.db.locks import lock_rows
from server.db.models import RefreshToken, User, UserSession
from server.domain.audit import identify_user_by_id


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session_id: str


def start_session(
    session: Session,
    user: User,
    *,
    codec: TokenCodec,
    lifetime: timedelta,
    cap: int,
    now: datetime,
    peer: str,
    user_agent: str,
) -> tuple[IssuedTokens, list[str]]:
    """A new session with its first refresh token; also returns ids of sessions the cap ended."""
    login = UserSession(
        user_id=user.id,
        expires_at=now + lifetime,
        peer=peer[:255],
        user_agent=user_agent[:512],
        last_used_at=now,
    )
    session.add(login)
    refresh = new_secret()
    session.add(
        RefreshToken(
            session_id=login.id,
            family_id=str(uuid.uuid4()),
            token_hash=digest(refresh),
            expires_at=login.expires_at,
        )
    )
    session.flush()
    ended = _enforce_cap(session, user.id, cap, now)
    return _tokens(codec, user, login, refresh, now), ended


def rotate(
    session: Session, token: RefreshToken, user: User, *, codec: TokenCodec, now: datetime
) -> IssuedTokens:
    """Use ``token`` once and issue its successor in the same family."""
    refresh = new_secret()
    successor = RefreshToken(
        session_id=token.session_id,
        family_id=token.family_id,
        token_hash=digest(refresh),
        expires_at=token.session.expires_at,
    )
    session.add(successor)
    session.flush()
    token.used_at = now
    token.replaced_by_id = successor.id
    token.session.last_used_at = now
    return _tokens(codec, user, token.session, refresh, now)


def redeem(
    session: Session, refresh_token: str, *, codec: TokenCodec, now: datetime
) -> IssuedTokens | list[str] | None:
    """Rotate the token ``refresh_token`` names; if it was used before, end its family.

    Returns the successor's tokens, the ids of the sessions a reuse ended, or None when the
    token is unknown, expired, or its session or user is no longer active. A token we know names
    its session's user: the call is about them (for its audit record), whatever the outcome.
    """
    token = session.scalar(sa.select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
    if token is None:
        return None
    # The session's row is the lock of its tokens: concurrent calls with tokens of one session
    # queue here, each reading the token as the call before left it, so of concurrent calls with
    # one token the first rotates it and the others are reuse. (Their token rows are no lock: a
    # successor inserted meanwhile is seen by some callers and not others, and on PostgreSQL
    # locking a family in different orders deadlocks.)
    login = next(
        iter(lock_rows(session, sa.select(UserSession).where(UserSession.id == token.session_id))), None
    )
    token = session.get(RefreshToken, token.id, populate_existing=True)
    if login is None or token is None:
        return None
    user = identify_user_by_id(session, login.user_id)
    if token.used_at is not None:
        return revoke_family(session, token.family_id, now)  # reuse: the token leaked
    if token.revoked_at is not None:
        return None  # its session ended (logout, revocation, the per-user cap): not a reuse
    if token.expires_at <= now or login.revoked_at is not None or user is None or not user.active:
        return None
    return rotate(session, token, user, codec=codec, now=now)


def revoke_family(session: Session, family_id: str, now: datetime) -> list[str]:
    """End every token of a family and the sessions they belong to; returns those session ids."""
    tokens = session.scalars(sa.select(RefreshToken).where(RefreshToken.family_id == family_id)).all()
    ids = {t.session_id for t in tokens}
    for token in tokens:
        token.revoked_at = token.revoked_at or now
    for login in session.scalars(sa.select(UserSession).where(UserSession.id.in_(ids))):
        login.revoked_at = login.revoked_at or now
    return sorted(ids)


def revoke_sessions(session: Session, sessions: list[UserSession], now: datetime) -> list[str]:
    """End these sessions and their refresh tokens; returns their ids."""
    ids = [s.id for s in sessions]
    # Sessions before their tokens, in id order, as ``redeem`` locks them: a logout racing a
    # refresh of the same session cannot deadlock.
    lock_rows(session, sa.select(UserSession.id).where(UserSession.id.in_(ids)).order_by(UserSession.id))
    session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.session_id.in_(ids), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    for login in sessions:
        login.revoked_at = login.revoked_at or now
    return ids


def active_sessions(session: Session, user_id: str, now: datetime) -> list[UserSession]:
    """A user's live sessions, oldest first."""
    query = (
        sa.select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now)
        .order_by(UserSession.created_at, UserSession.id)
    )
    return list(session.scalars(query))


def with_live_access(session: Session, user_id: str, now: datetime, access_lifetime: timedelta) -> list[str]:
    """Ids of the user's sessions whose access tokens may still be unexpired: live ones, and those
    ended within an access token's lifetime. Revoking all of them again is harmless, so a change
    that was stored but whose revocations could not be published (Redis down) publishes them
    when it is retried."""
    since = now - access_lifetime
    query = sa.select(UserSession.id).where(
        UserSession.user_id == user_id,
        UserSession.expires_at > since,
        sa.or_(UserSession.revoked_at.is_(None), UserSession.revoked_at > since),
    )
    return sorted(session.scalars(query))


def _enforce_cap(session: Session, user_id: str, cap: int, now: datetime) -> list[str]:
    live = active_sessions(session, user_id, now)
    return revoke_sessions(session, live[: max(0, len(live) - cap)], now)


def _tokens(codec: TokenCodec, user: User, login: UserSession, refresh: str, now: datetime) -> IssuedTokens:
    access, claims = codec.issue(user.id, user.username, user.role, login.id, now)
    return IssuedTokens(access, claims.expires_at, refresh, login.expires_at, login.id)
