"""Accounts: registration, login with lockout and MFA, token refresh, logout, passwords.

Failures that depend on secrets (wrong password, unknown user, locked or
disabled account) are indistinguishable to the caller: UNAUTHENTICATED with
reason INVALID_CREDENTIALS, after the same argon2 work. Only the audit log, which
admins read, names the user a call found, refused or not (identify_user).
Counting a wrong password or code towards the lockout, and opening a session
under the per-user cap, are in server.domain.sign_ins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth import passwords, totp
from server.auth.permissions import Role
from server.auth.principal import Principal
from server.auth.tokens import TokenCodec
from server.db.database import Database
from server.db.models import User, UserSession
from server.domain import mfa, sessions
from server.domain.account_rules import (
    AccountPolicy,
    ClientInfo,
    MfaChallenge,
    MfaEnrollment,
    bad_credentials,
    require,
    validate_email,
    validate_username,
)
from server.domain.audit import identify_user, identify_user_by_id
from server.domain.sessions import IssuedTokens
from server.domain.sign_ins import Opened, SignIns
from server.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from server.state.revocation import RevocationStore


class AccountService:
    def __init__(
        self,
        db: Database,
        codec: TokenCodec,
        revocations: RevocationStore,
        policy: AccountPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._db = db
        self._codec = codec
        self._revocations = revocations
        self._policy = policy
        self._now = clock
        self._sign_ins = SignIns(codec, revocations, policy)
        self._passwords = passwords.Passwords(policy.password_hashing)

    # --- registration and login -------------------------------------------------

    async def register(self, username: str, email: str, password: str, role: Role = Role.VIEWER) -> User:
        if not self._policy.allow_registration and role is Role.VIEWER:
            raise PermissionDenied("self-registration is disabled", reason="REGISTRATION_DISABLED")
        validate_username(username)
        validate_email(email)
        passwords.check_policy(password)
        password_hash = self._passwords.hash(password)

        def create(session: Session) -> User:
            user = User(username=username, email=email, password_hash=password_hash, role=role)
            session.add(user)
            session.flush()
            identify_user(user)  # the audit record names the account the call opened
            return user

        try:
            return await self._db.run(create)
        except IntegrityError as exc:
            raise AlreadyExists("username or email is already taken", reason="ACCOUNT_EXISTS") from exc

    async def login(self, username: str, password: str, client: ClientInfo) -> IssuedTokens | MfaChallenge:
        require(username=username, password=password)
        now = self._now()

        def attempt(session: Session) -> Opened | MfaChallenge | None:
            user = session.scalar(sa.select(User).where(User.username_key == username.lower()))
            if user is not None:
                identify_user(user)
            if user is None or (user.locked_until is not None and user.locked_until > now):
                self._passwords.verify_nobody(password)
                return None
            if not self._passwords.verify(user.password_hash, password):
                self._sign_ins.record_failure(session, user, now)
                return None
            if not user.active:
                return None
            if self._passwords.needs_rehash(user.password_hash):
                user.password_hash = self._passwords.hash(password)
            if user.mfa_enabled:
                # The failures so far stand until the code is right too: otherwise the password
                # alone would clear the wrong codes, and the codes could be guessed without end.
                token, claims = self._codec.issue_challenge(user.id, self._policy.challenge_lifetime, now)
                return MfaChallenge(token, claims.expires_at)
            user.failed_login_count = 0
            return self._sign_ins.open_session(session, user, now, client)

        result = await self._db.run(attempt)
        if result is None:
            raise bad_credentials()
        if isinstance(result, MfaChallenge):
            return result
        return await self._sign_ins.opened(result)

    async def verify_mfa(self, challenge_token: str, code: str, client: ClientInfo) -> IssuedTokens:
        require(challenge_token=challenge_token, code=code)
        try:
            claims = self._codec.verify_challenge(challenge_token)
        except Unauthenticated:
            if (user_id := self._codec.expired_challenge_user(challenge_token)) is not None:
                await self._db.run(lambda session: identify_user_by_id(session, user_id))
            raise
        now = self._now()
        # Each challenge is completed at most once, even by concurrent calls.
        ttl = (claims.expires_at - now).total_seconds()
        if not await self._revocations.claim("challenge:" + claims.challenge_id, ttl):
            await self._db.run(lambda session: identify_user_by_id(session, claims.user_id))
            raise Unauthenticated("MFA challenge already used", reason="TOKEN_INVALID")

        def complete(session: Session) -> Opened | None:
            user = identify_user_by_id(session, claims.user_id)
            if user is None or not user.active or not user.mfa_enabled or not user.mfa_secret:
                return None
            if user.locked_until is not None and user.locked_until > now:
                return None
            step = totp.matching_step(user.mfa_secret, code, user.mfa_last_step, now.timestamp())
            if step is None or not mfa.use_totp_step(session, user, step):
                self._sign_ins.record_failure(session, user, now)
                return None
            user.failed_login_count = 0
            return self._sign_ins.open_session(session, user, now, client)

        opened = await self._db.run(complete)
        if opened is None:
            raise Unauthenticated("invalid MFA code", reason="INVALID_MFA_CODE")
        return await self._sign_ins.opened(opened)

    async def refresh(self, refresh_token: str) -> IssuedTokens:
        require(refresh_token=refresh_token)
        now = self._now()

        result = await self._db.run(
            lambda session: sessions.redeem(session, refresh_token, codec=self._codec, now=now)
        )
        if isinstance(result, IssuedTokens):
            return result
        if result is None:
            raise Unauthenticated(
                "the refresh token is unknown or expired, or its session has ended; log in again",
                reason="TOKEN_INVALID",
            )
        await self.forget_sessions(result)
        raise Unauthenticated("refresh token reused; its session is revoked", reason="REFRESH_TOKEN_REUSED")

    async def logout(self, principal: Principal) -> None:
        if principal.session_id is None:
            raise FailedPrecondition("an API key has no session to end; revoke the key instead")
        session_id = principal.session_id

        def end(session: Session) -> None:
            login = session.get(UserSession, session_id)
            if login is not None and login.user_id == principal.user_id:
                sessions.revoke_sessions(session, [login], self._now())

        await self._db.run(end)
        await self.forget_sessions([session_id])

    # --- the signed-in user -----------------------------------------------------

    async def current_user(self, principal: Principal) -> User:
        user = await self._db.run(lambda session: session.get(User, principal.user_id))
        if user is None:
            raise NotFound("user", principal.user_id)
        return user

    async def change_password(self, principal: Principal, current: str, new: str) -> int:
        passwords.check_policy(new, "new_password")
        if new == current:
            raise InvalidArgument.field("new_password", "must differ from the current password")
        new_hash = self._passwords.hash(new)
        now = self._now()

        def change(session: Session) -> list[str] | None:
            user = session.get(User, principal.user_id)
            if user is None:
                return None
            if user.locked_until is not None and user.locked_until > now:
                # Locked by wrong passwords (here or at Login): no more guesses through a session.
                raise FailedPrecondition(
                    f"the account is locked until {user.locked_until.isoformat()}", reason="ACCOUNT_LOCKED"
                )
            if not self._passwords.verify(user.password_hash, current):
                # Guessing through a stolen session counts too.
                self._sign_ins.record_failure(session, user, now)
                return None
            user.password_hash = new_hash
            others = [
                s for s in sessions.active_sessions(session, user.id, now) if s.id != principal.session_id
            ]
            return sessions.revoke_sessions(session, others, now)

        ended = await self._db.run(change)
        if ended is None:
            raise InvalidArgument.field("current_password", "is not the account's password")
        await self.forget_sessions(ended)
        return len(ended)

    # --- MFA --------------------------------------------------------------------

    async def enroll_mfa(self, principal: Principal) -> MfaEnrollment:
        secret = totp.new_secret()
        username = await self._db.run(lambda session: mfa.enroll(session, principal.user_id, secret))
        return MfaEnrollment(secret, totp.provisioning_uri(secret, username))

    async def confirm_mfa(self, principal: Principal, code: str) -> User:
        return await self._db.run(
            lambda session: mfa.set_mfa(session, principal.user_id, code, self._now(), enable=True)
        )

    async def disable_mfa(self, principal: Principal, code: str) -> User:
        return await self._db.run(
            lambda session: mfa.set_mfa(session, principal.user_id, code, self._now(), enable=False)
        )

    # --- shared -----------------------------------------------------------------

    async def forget_sessions(self, session_ids: list[str]) -> None:
        """Make access tokens of ended sessions fail at once, not only when they expire."""
        await self._sign_ins.forget_sessions(session_ids)

    @property
    def access_lifetime(self) -> timedelta:
        return self._policy.access_lifetime
