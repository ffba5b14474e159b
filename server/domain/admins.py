"""Admins: whether there is one yet, the first admin's password file (a development server
started with no settings at all), and the rule that one active admin always stays."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.permissions import Role
from server.db.locks import lock_rows
from server.db.models import User
from server.errors import FailedPrecondition

INITIAL_ADMIN_USERNAME = "admin"
INITIAL_ADMIN_FILE = "initial-admin-password"


def admin_count(session: Session) -> int:
    """The admins not deleted, active or not."""
    return (
        session.scalar(sa.select(sa.func.count()).where(User.role == Role.ADMIN, User.deleted_at.is_(None)))
        or 0
    )


def initial_password() -> str:
    """A random password for the first admin that meets the password policy."""
    return "Qa1!" + secrets.token_urlsafe(18)


def write_password_file(password_file: Path, password: str) -> None:
    """Store ``password`` in ``password_file``, readable by its owner alone (blocking)."""
    password_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")


def keep_an_admin(session: Session, leaving_id: str) -> None:
    """FAILED_PRECONDITION unless an active admin other than ``leaving_id`` stays. The active
    admins are locked (in id order) until the change commits, so two admins demoting each
    other at once cannot both pass."""
    admins = lock_rows(
        session,
        sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id),
    )
    if not [admin for admin in admins if admin != leaving_id]:
        raise FailedPrecondition("the last active admin cannot be removed", reason="LAST_ADMIN")
