"""The filter field of ListApiKeys, ListSessions and ListUsers, as the contract describes it."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc, common_pb2

from server.auth.permissions import Role
from server.composition import Application
from server.domain.account_rules import ClientInfo, MfaChallenge
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth_helpers import PASSWORD, admin_token, user_token
from tests.server.pages import every_page

Stub = auth_service_pb2_grpc.AuthServiceStub


async def test_api_keys_filtered_by_revoked_and_name(auth: Stub, application: Application) -> None:
    token = bearer(await user_token(application, "kara"))
    ids = {}
    for name in ("batch-nightly", "batch_weekly", "dashboard"):
        created = await auth.CreateApiKey(
            pb.CreateApiKeyRequest(name=name, scopes=["account:manage"]), metadata=token
        )
        ids[name] = created.api_key.api_key_id
    await auth.RevokeApiKey(pb.RevokeApiKeyRequest(api_key_id=ids["dashboard"]), metadata=token)

    async def names(expression: str) -> tuple[list[str], int]:
        page = await auth.ListApiKeys(pb.ListApiKeysRequest(filter=expression), metadata=token)
        return sorted(k.name for k in page.api_keys), page.total_size

    assert await names("revoked = false") == (["batch-nightly", "batch_weekly"], 2)
    assert await names("revoked = true") == (["dashboard"], 1)
    assert await names('name = "BATCH*"') == (["batch-nightly", "batch_weekly"], 2)
    assert await names('name = "batch_*"') == (["batch_weekly"], 1)  # "_" is a character, not a wildcard
    assert await names('name = "*board" AND revoked = false') == ([], 0)
    assert await names("") == (["batch-nightly", "batch_weekly", "dashboard"], 3)


async def test_sessions_filtered_by_current(auth: Stub, application: Application) -> None:
    await user_token(application, "lena")  # one session
    second = await application.accounts.login("lena", PASSWORD, ClientInfo())
    assert not isinstance(second, MfaChallenge)
    token = bearer(second.access_token)
    current = await auth.ListSessions(pb.ListSessionsRequest(filter="current = true"), metadata=token)
    assert [s.current for s in current.sessions] == [True] and current.total_size == 1
    others = await auth.ListSessions(pb.ListSessionsRequest(filter="current = false"), metadata=token)
    assert [s.current for s in others.sessions] == [False] and others.total_size == 1


async def test_users_filtered_by_every_field(auth: Stub, application: Application) -> None:
    admin = bearer(await admin_token(application))
    await user_token(application, "mona_analyst", Role.ANALYST)
    await user_token(application, "nils_viewer")
    await user_token(application, "olga_viewer")
    everyone = await auth.ListUsers(pb.ListUsersRequest(), metadata=admin)
    nils = next(u for u in everyone.users if u.username == "nils_viewer")
    await auth.UpdateUser(
        pb.UpdateUserRequest(
            user=pb.User(user_id=nils.user_id, active=False), update_mask={"paths": ["active"]}
        ),
        metadata=admin,
    )

    async def names(expression: str, **typed: object) -> list[str]:
        page = await auth.ListUsers(pb.ListUsersRequest(filter=expression, **typed), metadata=admin)  # type: ignore[arg-type]
        assert page.total_size == len(page.users)
        return sorted(u.username for u in page.users)

    assert await names("role = ROLE_ANALYST") == ["mona_analyst"]
    assert await names("role = ROLE_VIEWER AND active = true") == ["olga_viewer"]
    assert await names("active = false") == ["nils_viewer"]
    assert await names("mfa_enabled = true") == []
    assert await names('username = "*_VIEWER"') == ["nils_viewer", "olga_viewer"]
    assert await names('email = "mona*@example.com"') == ["mona_analyst"]
    assert await names('create_time >= "2000-01-01T00:00:00Z" AND username = "o*"') == ["olga_viewer"]
    assert await names('create_time < "2000-01-01T00:00:00Z"') == []
    assert await names("active = true", role=common_pb2.ROLE_VIEWER) == ["olga_viewer"]


@pytest.mark.parametrize(
    ("rpc", "expression"),
    [
        ("ListApiKeys", "revoked = maybe"),
        ("ListApiKeys", "owner = me"),
        ("ListApiKeys", "((( garbage"),
        ("ListSessions", "current > true"),
        ("ListUsers", "role = ROLE_ROOT"),
        ("ListUsers", 'create_time >= "yesterday"'),
        ("ListUsers", 'username = "' + "x" * 2000 + '"'),
    ],
)
async def test_a_bad_filter_names_the_filter_field(
    auth: Stub, application: Application, rpc: str, expression: str
) -> None:
    admin = bearer(await admin_token(application))
    request = getattr(pb, f"{rpc}Request")(filter=expression)
    failed = getattr(auth, rpc)(request, metadata=admin)
    assert await status_of(failed) == (grpc.StatusCode.INVALID_ARGUMENT, "FILTER_INVALID")


async def test_sessions_are_listed_most_recently_used_first_and_page_in_that_order(
    auth: Stub, application: Application
) -> None:
    await user_token(application, "pia")  # registers her, with a session of its own (the oldest)
    logins = []
    for _ in range(3):
        opened = await application.accounts.login("pia", PASSWORD, ClientInfo())
        assert not isinstance(opened, MfaChallenge)
        logins.append(opened)
    # The first of the three is used again (a refresh): it comes first now.
    refreshed = await auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=logins[0].refresh_token))
    token = bearer(refreshed.tokens.access_token)
    listed = await auth.ListSessions(pb.ListSessionsRequest(), metadata=token)
    order = [s.session_id for s in listed.sessions]
    assert order[:3] == [logins[0].session_id, logins[2].session_id, logins[1].session_id]
    assert len(order) == 4
    walked = await every_page(
        lambda page_token: auth.ListSessions(
            pb.ListSessionsRequest(page_size=1, page_token=page_token), metadata=token
        ),
        lambda page: [s.session_id for s in page.sessions],
    )
    assert walked == order
