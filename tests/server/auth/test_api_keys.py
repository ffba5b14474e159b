"""API keys: shown once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

import asyncio
import time

import grpc
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc

from server.composition import Application
from server.db.models import ApiKey
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth_helpers import user_token


def with_key(secret: str) -> tuple[tuple[str, str], ...]:
    return (("x-api-key", secret),)


async def test_key_is_shown_once_stored_hashed_and_scoped(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    token = await user_token(application, "ivy")
    created = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="ci", scopes=["account:manage"]), metadata=bearer(token)
    )
    secret = created.secret
    assert secret.startswith("qk_") and len(secret) >= 3 + 43  # 32 random bytes, url-safe
    assert (
        created.api_key.prefix == secret[: len(created.api_key.prefix)] and created.api_key.prefix != secret
    )
    stored = await application.db.run(lambda s: s.scalars(sa.select(ApiKey)).all())
    assert [k.key_hash for k in stored] and all(secret not in (k.key_hash, k.prefix) for k in stored)

    me = await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=with_key(secret))
    assert me.user.username == "ivy" and list(me.permissions) == ["account:manage"]
    listed = await auth.ListApiKeys(pb.ListApiKeysRequest(), metadata=bearer(token))
    assert [k.name for k in listed.api_keys] == ["ci"] and not any(secret in str(k) for k in listed.api_keys)


async def test_scopes_must_be_held_and_limit_the_key(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    token = await user_token(application, "jack")
    beyond = auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="x", scopes=["users:admin"]), metadata=bearer(token)
    )
    assert (await status_of(beyond))[0] is grpc.StatusCode.INVALID_ARGUMENT
    narrow = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="r", scopes=["datasets:read"]), metadata=bearer(token)
    )
    call = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=with_key(narrow.secret))
    assert await status_of(call) == (grpc.StatusCode.PERMISSION_DENIED, "MISSING_PERMISSION")


async def test_revoked_and_expired_keys_are_refused(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    token = await user_token(application, "kate")
    key = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="k", scopes=["account:manage"]), metadata=bearer(token)
    )
    await auth.RevokeApiKey(pb.RevokeApiKeyRequest(api_key_id=key.api_key.api_key_id), metadata=bearer(token))
    revoked = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=with_key(key.secret))
    assert await status_of(revoked) == (grpc.StatusCode.UNAUTHENTICATED, "API_KEY_INVALID")

    # Two to three seconds ahead: a whole second one ahead may be a few milliseconds away, gone
    # before the key is first used on a busy machine.
    expiry = int(time.time()) + 3
    soon = timestamp_pb2.Timestamp(seconds=expiry)
    short = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="s", scopes=["account:manage"], expire_time=soon), metadata=bearer(token)
    )
    await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=with_key(short.secret))
    await asyncio.sleep(max(0.0, expiry - time.time()) + 0.2)
    expired = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=with_key(short.secret))
    assert (await status_of(expired))[0] is grpc.StatusCode.UNAUTHENTICATED
    past = timestamp_pb2.Timestamp(seconds=int(time.time()) - 10)
    in_past = auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="p", scopes=["account:manage"], expire_time=past), metadata=bearer(token)
    )
    assert (await status_of(in_past))[0] is grpc.StatusCode.INVALID_ARGUMENT


async def test_another_users_key_is_not_found(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    owner = await user_token(application, "liam")
    other = await user_token(application, "mona")
    key = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="k", scopes=["account:manage"]), metadata=bearer(owner)
    )
    foreign = auth.RevokeApiKey(
        pb.RevokeApiKeyRequest(api_key_id=key.api_key.api_key_id), metadata=bearer(other)
    )
    assert (await status_of(foreign))[0] is grpc.StatusCode.NOT_FOUND
