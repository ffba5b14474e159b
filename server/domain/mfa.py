"""MFA on an account: enrolling a TOTP secret, turning MFA on or off with a current code, and
the single use of each TOTP step."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth import totp
from server.db.models import User
from server.errors import FailedPrecondition, InvalidArgument, NotFound


def enroll(session: Session, user_id: str, secret: str) -> str:
    """Give the user a new ``secret`` to confirm with a code; returns the username."""
    user = _user(session, user_id)
    if user.mfa_enabled:
        raise FailedPrecondition("MFA is already enabled; disable it first", reason="MFA_ENABLED")
    user.mfa_secret = secret
    user.mfa_last_step = None
    return user.username


def set_mfa(session: Session, user_id: str, code: str, now: datetime, *, enable: bool) -> User:
    user = _user(session, user_id)
    if enable and (user.mfa_enabled or not user.mfa_secret):
        raise FailedPrecondition("call EnrollMfa first", reason="MFA_NOT_ENROLLED")
    if not enable and not user.mfa_enabled:
        raise FailedPrecondition("MFA is not enabled", reason="MFA_NOT_ENABLED")
    assert user.mfa_secret is not None
    step = totp.matching_step(user.mfa_secret, code, user.mfa_last_step, now.timestamp())
    if step is None or not use_totp_step(session, user, step):
        raise InvalidArgument.field("code", "is not a current code from the authenticator app")
    user.mfa_enabled = enable
    if not enable:
        user.mfa_secret = None
        user.mfa_last_step = None
    return user


def use_totp_step(session: Session, user: User, step: int) -> bool:
    """Record ``step`` as used unless a concurrent call already used it or a later one.

    A compare-and-set in the database, so the same code cannot pass twice even
    when two requests race (the row is not locked between read and write).
    """
    used = session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return False
    user.mfa_last_step = step
    return True


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user
