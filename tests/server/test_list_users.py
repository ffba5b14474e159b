"""ListUsers as auth_service.proto describes it: oldest first, and a username that SQLite's LIKE
cannot look for refused naming the field, as the same text in `filter` is."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc

from server.composition import Application
from tests.server.auth_helpers import admin_token, user_token
from tests.server.financial.conftest import failure
from tests.server.pages import every_page

Stub = auth_service_pb2_grpc.AuthServiceStub


def admin_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def test_users_are_listed_oldest_first_on_every_page(
    channel: grpc.aio.Channel, application: Application
) -> None:
    metadata = admin_metadata(await admin_token(application, "first_admin"))
    for name in ("second", "third", "fourth", "fifth"):
        await user_token(application, name)
    auth = Stub(channel)  # type: ignore[no-untyped-call]

    async def page(token: str) -> pb.ListUsersResponse:
        asked = pb.ListUsersRequest(page_size=2, page_token=token)
        found: pb.ListUsersResponse = await auth.ListUsers(asked, metadata=metadata)
        return found

    names = await every_page(page, lambda found: [u.username for u in found.users])
    assert names == ["first_admin", "second", "third", "fourth", "fifth"]


@pytest.mark.parametrize("username", ["\x00", "ab\x00", "\x00by"])
async def test_a_username_with_a_nul_names_username(
    channel: grpc.aio.Channel, application: Application, username: str
) -> None:
    """SQLite's LIKE ended the pattern at the NUL: "\\x00" listed every user."""
    metadata = admin_metadata(await admin_token(application))
    await user_token(application, "abby")
    auth = Stub(channel)  # type: ignore[no-untyped-call]
    found = await failure(auth.ListUsers(pb.ListUsersRequest(username=username), metadata=metadata))
    assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["username"])
    same_in_filter = await failure(
        auth.ListUsers(pb.ListUsersRequest(filter=f'username = "*{username}*"'), metadata=metadata)
    )
    assert (same_in_filter.code, same_in_filter.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["filter"])
