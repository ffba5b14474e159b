"""Composition: every layer built once from Settings, and passed down by constructor.

No module-level singletons: tests build an Application with their own settings
(or swap any layer) the same way ``quantis serve`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from redis.asyncio import Redis

from server import contracts
from server.auth.tokens import TokenCodec
from server.db.database import Database
from server.domain.accounts import AccountPolicy, AccountService
from server.domain.api_keys import ApiKeyService
from server.domain.audit import AuditLogWriter
from server.domain.authenticator import CredentialAuthenticator
from server.domain.users import UserService
from server.interceptors.audit import AuditInterceptor
from server.interceptors.auth import AuthInterceptor
from server.interceptors.rate_limit import RateLimitInterceptor
from server.servicers import Servicers
from server.servicers.auth import AuthServicer
from server.servicers.dataset import DatasetServicer
from server.servicers.financial import FinancialServicer
from server.servicers.model import ModelServicer
from server.servicers.monitoring import MonitoringServicer
from server.servicers.prediction import PredictionServicer
from server.settings import Settings
from server.state.rate_limit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from server.state.revocation import MemoryRevocationStore, RedisRevocationStore, RevocationStore

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Application:
    """Everything a server process runs on, and how to close it."""

    settings: Settings
    db: Database
    redis: Redis | None
    accounts: AccountService
    users: UserService
    authenticator: CredentialAuthenticator
    servicers: Servicers
    interceptors: list[grpc.aio.ServerInterceptor] = field(default_factory=list)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        self.db.dispose()


def account_policy(settings: Settings) -> AccountPolicy:
    return AccountPolicy(
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        session_lifetime=timedelta(days=settings.refresh_token_days),
        challenge_lifetime=timedelta(minutes=settings.mfa_challenge_minutes),
        max_sessions=settings.max_sessions_per_user,
        lockout_failures=settings.lockout_failures,
        lockout_duration=timedelta(minutes=settings.lockout_minutes),
        allow_registration=settings.allow_registration,
    )


async def build_application(settings: Settings, *, clock: Clock = _utcnow) -> Application:
    """Build the layers for ``settings`` (the database must already be migrated)."""
    db = Database.connect(settings.resolved_database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    revocations: RevocationStore = (
        RedisRevocationStore(redis, settings.redis_key_prefix + "revoked:")
        if redis
        else MemoryRevocationStore()
    )
    codec = TokenCodec(settings.jwt_secret, timedelta(minutes=settings.access_token_minutes))
    accounts = AccountService(db, codec, revocations, account_policy(settings), clock)
    users = UserService(db, accounts, clock)
    if settings.admin_username:
        await users.ensure_admin(settings.admin_username, settings.admin_email, settings.admin_password)
    servicers = Servicers(
        auth=AuthServicer(accounts, ApiKeyService(db, clock), users),
        dataset=DatasetServicer(),
        model=ModelServicer(),
        prediction=PredictionServicer(),
        financial=FinancialServicer(),
        monitoring=MonitoringServicer(),
    )
    authenticator = CredentialAuthenticator(db, codec, revocations, clock)
    rules = contracts.method_rules()
    limiter: RateLimiter = (
        RedisRateLimiter(redis, settings.redis_key_prefix + "rate:") if redis else MemoryRateLimiter()
    )
    proxies = [str(network) for network in settings.trusted_proxies]
    # Inside request context and error mapping, outermost first: audit, auth, rate limit.
    interceptors: list[grpc.aio.ServerInterceptor] = [
        AuditInterceptor(rules, AuditLogWriter(db), trusted_proxies=proxies),
        AuthInterceptor(rules, authenticator),
        RateLimitInterceptor(rules, limiter, settings.rate_limits(), trusted_proxies=proxies),
    ]
    return Application(settings, db, redis, accounts, users, authenticator, servicers, interceptors)
