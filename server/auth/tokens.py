"""Access tokens (short-lived JWTs) and opaque refresh tokens.

An access token carries: sub (user id), role, jti (token id, checked against the
revocation store), sid (session id), iat and exp. Refresh tokens are random
strings; only their SHA-256 is stored, and each is used once (see AccountService).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from server.auth.permissions import Role
from server.errors import Unauthenticated

ALGORITHM = "HS256"
ISSUER = "quantis"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    username: str
    role: Role
    token_id: str
    session_id: str
    expires_at: datetime


@dataclass(frozen=True)
class ChallengeClaims:
    user_id: str
    challenge_id: str
    expires_at: datetime


class TokenCodec:
    """Issues and verifies access tokens with one HMAC key."""

    def __init__(self, secret: str, lifetime: timedelta, verified_cache: int = 4096):
        self._secret = secret
        self.lifetime = lifetime
        # Tokens already verified, with their claims: a client sends the same token on every
        # call until it expires, and checking the signature again costs more than the call's
        # own work. Revocation is checked by the caller on every call regardless.
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._verified_cache = verified_cache

    def issue(
        self, user_id: str, username: str, role: Role, session_id: str, now: datetime
    ) -> tuple[str, AccessClaims]:
        claims = AccessClaims(user_id, username, role, uuid.uuid4().hex, session_id, now + self.lifetime)
        payload = {
            "typ": "access",
            "sub": user_id,
            "name": username,
            "role": role.value,
            "jti": claims.token_id,
            "sid": session_id,
            "iss": ISSUER,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid access token; Unauthenticated otherwise."""
        known = self._verified.get(token)
        if known is not None and known.expires_at > datetime.now(UTC):
            self._verified.move_to_end(token)
            return known
        claims = self._verify(token)
        self._verified[token] = claims
        if len(self._verified) > self._verified_cache:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> AccessClaims:
        payload = self._decode(token, "access", "access token")
        try:
            return AccessClaims(
                user_id=str(payload["sub"]),
                username=str(payload["name"]),
                role=Role(payload["role"]),
                token_id=str(payload["jti"]),
                session_id=str(payload["sid"]),
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            )
        except (KeyError, ValueError) as exc:
            raise Unauthenticated("invalid access token", reason="TOKEN_INVALID") from exc

    def issue_challenge(
        self, user_id: str, lifetime: timedelta, now: datetime
    ) -> tuple[str, ChallengeClaims]:
        """A short-lived token proving the password was right, to be completed with a TOTP code."""
        claims = ChallengeClaims(user_id, uuid.uuid4().hex, now + lifetime)
        payload = {
            "typ": "mfa_challenge",
            "sub": user_id,
            "jti": claims.challenge_id,
            "iss": ISSUER,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def verify_challenge(self, token: str) -> ChallengeClaims:
        payload = self._decode(token, "mfa_challenge", "MFA challenge")
        return ChallengeClaims(
            str(payload["sub"]), str(payload["jti"]), datetime.fromtimestamp(payload["exp"], UTC)
        )

    def expired_challenge_user(self, token: str) -> str | None:
        """The user an expired but authentic MFA challenge was issued to (for the audit record of
        the refusal: the password was right, so the call is about them); None for anything else."""
        try:
            payload = self._decode(token, "mfa_challenge", "MFA challenge", expired=True)
        except Unauthenticated:
            return None
        return str(payload["sub"])

    def _decode(self, token: str, kind: str, what: str, *, expired: bool = False) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["typ", "sub", "jti", "exp", "iat"], "verify_exp": not expired},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated(f"{what} expired", reason="TOKEN_EXPIRED") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid {what}", reason="TOKEN_INVALID") from exc
        if payload.get("typ") != kind:
            raise Unauthenticated(f"invalid {what}", reason="TOKEN_INVALID")
        return payload


def new_secret(prefix: str = "", nbytes: int = 32) -> str:
    """A url-safe random secret of ``nbytes`` random bytes, with an optional prefix."""
    return prefix + secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """How a secret is stored: its SHA-256, hex (secrets are random, so no salt is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()
