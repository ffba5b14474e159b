"""What accounts are held to and exchange: the policy (token and session lifetimes, the session
cap, lockout, the cost of a password hash), what a username and an email must look like, and the
values login takes and hands back (the client, an MFA challenge, an MFA enrollment)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.auth.passwords import HashCost
from server.errors import InvalidArgument, Unauthenticated

# Matched whole (fullmatch): "$" alone would let a trailing newline through.
USERNAME = re.compile(r"[A-Za-z0-9_]{3,50}")
EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class AccountPolicy:
    access_lifetime: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(days=30)
    challenge_lifetime: timedelta = timedelta(minutes=5)
    max_sessions: int = 10
    lockout_failures: int = 5
    lockout_duration: timedelta = timedelta(minutes=15)
    allow_registration: bool = True
    password_hashing: HashCost = field(default_factory=HashCost)


@dataclass(frozen=True)
class MfaChallenge:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class MfaEnrollment:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class ClientInfo:
    peer: str = ""
    user_agent: str = ""


def bad_credentials() -> Unauthenticated:
    return Unauthenticated("invalid username or password", reason="INVALID_CREDENTIALS")


def require(**fields: str) -> None:
    """InvalidArgument naming the first of ``fields`` that is empty."""
    for name, value in fields.items():
        if not value:
            raise InvalidArgument.field(name, "is required")


def validate_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidArgument.field("username", "must be 3 to 50 of A-Z, a-z, 0-9 and _")


def validate_email(email: str) -> None:
    if len(email) > 320 or not EMAIL.fullmatch(email):
        raise InvalidArgument.field("email", "is not an email address")
