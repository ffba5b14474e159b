"""Auth calls that race each other: each check holds for concurrent callers as for one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import grpc
import pytest
import redis.exceptions
from google.protobuf import field_mask_pb2
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc

from server.auth.permissions import Role
from server.composition import Application
from server.domain.pagination import PageRequest
from server.domain.users import UserFilter
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth.test_flow import PASSWORD, register_and_login
from tests.server.auth_helpers import admin_token

Stub = auth_service_pb2_grpc.AuthServiceStub


async def outcomes(calls: list[grpc.aio.UnaryUnaryCall]) -> list[object]:  # type: ignore[type-arg]
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_one_refresh_token_sent_at_once_rotates_once_and_ends_the_session(auth: Stub) -> None:
    tokens = await register_and_login(auth, "rita")
    request = pb.RefreshTokenRequest(refresh_token=tokens.refresh_token)
    results = await outcomes([auth.RefreshToken(request) for _ in range(8)])
    rotated = [r for r in results if isinstance(r, pb.RefreshTokenResponse)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(rotated) <= 1 and len(rotated) + len(refused) == 8
    assert all(e.code() is grpc.StatusCode.UNAUTHENTICATED for e in refused)
    # The others presented a used token: reuse, so the family ends, the winner's successor too.
    for winner in rotated:
        again = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=winner.tokens.refresh_token))
        assert (await status_of(again))[0] is grpc.StatusCode.UNAUTHENTICATED


async def test_logout_and_refreshes_of_one_session_at_once_end_it_without_a_conflict(auth: Stub) -> None:
    tokens = await register_and_login(auth, "lena")
    refresh = pb.RefreshTokenRequest(refresh_token=tokens.refresh_token)
    logout = auth.Logout(pb.LogoutRequest(), metadata=bearer(tokens.access_token))
    results = await outcomes([logout, *(auth.RefreshToken(refresh) for _ in range(4))])
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert all(e.code() is grpc.StatusCode.UNAUTHENTICATED for e in refused), refused
    for rotated in (r for r in results if isinstance(r, pb.RefreshTokenResponse)):
        again = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=rotated.tokens.refresh_token))
        assert (await status_of(again))[0] is grpc.StatusCode.UNAUTHENTICATED


async def test_wrong_passwords_sent_at_once_all_count(auth: Stub) -> None:
    await register_and_login(auth, "sven")
    wrong = pb.LoginRequest(username="sven", password="Wrong-Passw0rd!")
    results = await outcomes([auth.Login(wrong) for _ in range(5)])  # the policy's lockout_failures
    assert all(isinstance(r, grpc.aio.AioRpcError) for r in results)
    locked = auth.Login(pb.LoginRequest(username="sven", password=PASSWORD))
    assert await status_of(locked) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("attempt", range(3))
async def test_two_admins_deactivating_each_other_at_once_leave_one(
    auth: Stub, application: Application, attempt: int
) -> None:
    tokens = [await admin_token(application, f"admin_{n}") for n in (0, 1)]  # the only admins
    ids = [
        (await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(token))).user.user_id
        for token in tokens
    ]
    mask = field_mask_pb2.FieldMask(paths=["active"])
    results = await outcomes(
        [
            auth.UpdateUser(
                pb.UpdateUserRequest(user=pb.User(user_id=ids[1 - n], active=False), update_mask=mask),
                metadata=bearer(tokens[n]),
            )
            for n in (0, 1)
        ]
    )
    assert sum(isinstance(r, pb.UpdateUserResponse) for r in results) <= 1
    _, _, active = await application.users.list_users(
        PageRequest(10, None), UserFilter(role=Role.ADMIN, active=True)
    )
    assert active == 1


@contextlib.contextmanager
def revocations_down(application: Application) -> Iterator[None]:
    """Publishing revocations fails, as with Redis down, until the block ends."""
    store = application.accounts._revocations  # the store the authenticator reads too

    async def down(token_id: str, ttl_seconds: float) -> None:
        raise redis.exceptions.ConnectionError("Redis is down")

    store.revoke = down  # type: ignore[method-assign]
    try:
        yield
    finally:
        del store.revoke  # type: ignore[attr-defined]


async def test_login_at_the_session_cap_needs_no_revocation_store(
    auth: Stub, application: Application
) -> None:
    await register_and_login(auth, "tara")
    for _ in range(9):  # the cap of 10 live sessions is reached
        await auth.Login(pb.LoginRequest(username="tara", password=PASSWORD))
    with revocations_down(application):
        eleventh = await auth.Login(pb.LoginRequest(username="tara", password=PASSWORD))
    assert eleventh.tokens.access_token


async def test_a_deactivation_stored_while_revocations_failed_takes_effect_when_retried(
    auth: Stub, application: Application
) -> None:
    user = await register_and_login(auth, "ugo")
    admin = bearer(await admin_token(application))
    me = await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(user.access_token))
    deactivate = pb.UpdateUserRequest(
        user=pb.User(user_id=me.user.user_id, active=False),
        update_mask=field_mask_pb2.FieldMask(paths=["active"]),
    )
    with revocations_down(application):
        assert (await status_of(auth.UpdateUser(deactivate, metadata=admin)))[
            0
        ] is grpc.StatusCode.UNAVAILABLE
    await auth.UpdateUser(deactivate, metadata=admin)  # the caller retries, as UNAVAILABLE asks
    after = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(user.access_token))
    assert await status_of(after) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
