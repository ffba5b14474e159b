"""AuthService messages from and to domain objects."""

from __future__ import annotations

from quantis.v1 import auth_service_pb2 as pb

from server.db.models import ApiKey, User, UserSession
from server.domain.account_rules import MfaChallenge
from server.domain.sessions import IssuedTokens
from server.mappers.common import role_to_proto, timestamp


def user_to_proto(user: User) -> pb.User:
    return pb.User(
        user_id=user.id,
        username=user.username,
        email=user.email,
        role=role_to_proto(user.role),
        active=user.active,
        mfa_enabled=user.mfa_enabled,
        create_time=timestamp(user.created_at),
        update_time=timestamp(user.updated_at),
        last_login_time=timestamp(user.last_login_at),
        locked_until=timestamp(user.locked_until),
    )


def tokens_to_proto(tokens: IssuedTokens) -> pb.Tokens:
    return pb.Tokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_type="Bearer",
        access_token_expire_time=timestamp(tokens.access_expires_at),
        refresh_token_expire_time=timestamp(tokens.refresh_expires_at),
        session_id=tokens.session_id,
    )


def login_to_proto(result: IssuedTokens | MfaChallenge) -> pb.LoginResponse:
    if isinstance(result, MfaChallenge):
        challenge = pb.MfaChallenge(challenge_token=result.token, expire_time=timestamp(result.expires_at))
        return pb.LoginResponse(mfa_challenge=challenge)
    return pb.LoginResponse(tokens=tokens_to_proto(result))


def api_key_to_proto(key: ApiKey) -> pb.ApiKey:
    return pb.ApiKey(
        api_key_id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=key.scopes,
        create_time=timestamp(key.created_at),
        expire_time=timestamp(key.expires_at),
        last_used_time=timestamp(key.last_used_at),
        revoked=key.revoked_at is not None,
    )


def session_to_proto(login: UserSession, current_session_id: str | None) -> pb.Session:
    return pb.Session(
        session_id=login.id,
        create_time=timestamp(login.created_at),
        last_used_time=timestamp(login.last_used_at),
        peer=login.peer,
        user_agent=login.user_agent,
        expire_time=timestamp(login.expires_at),
        current=login.id == current_session_id,
    )
