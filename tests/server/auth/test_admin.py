"""User administration and the first admin."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import (
    auth_service_pb2_grpc,
    common_pb2,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    model_service_pb2,
    model_service_pb2_grpc,
)

from server.auth.permissions import Role
from server.composition import Application
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth_helpers import PASSWORD, admin_token, user_token
from tests.server.dataset.conftest import lines, upload
from tests.server.model.conftest import lstm_request


async def test_admin_lists_promotes_and_deletes(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    admin = await admin_token(application)
    viewer = await user_token(application, "nina")
    listed = await auth.ListUsers(pb.ListUsersRequest(role=common_pb2.ROLE_VIEWER), metadata=bearer(admin))
    assert [u.username for u in listed.users] == ["nina"] and listed.total_size == 1
    nina = listed.users[0]

    promote = pb.UpdateUserRequest(
        user=pb.User(user_id=nina.user_id, role=common_pb2.ROLE_ANALYST),
        update_mask=field_mask_pb2.FieldMask(paths=["role"]),
    )
    updated = await auth.UpdateUser(promote, metadata=bearer(admin))
    assert updated.user.role == common_pb2.ROLE_ANALYST
    # A role change ends the user's sessions, so the old token's role cannot linger.
    stale = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(viewer))
    assert (await status_of(stale))[0] is grpc.StatusCode.UNAUTHENTICATED

    bad_mask = pb.UpdateUserRequest(
        user=pb.User(user_id=nina.user_id), update_mask=field_mask_pb2.FieldMask(paths=["password"])
    )
    assert (await status_of(auth.UpdateUser(bad_mask, metadata=bearer(admin))))[
        0
    ] is grpc.StatusCode.INVALID_ARGUMENT

    await auth.DeleteUser(pb.DeleteUserRequest(user_id=nina.user_id), metadata=bearer(admin))
    gone = auth.GetUser(pb.GetUserRequest(user_id=nina.user_id), metadata=bearer(admin))
    assert (await status_of(gone))[0] is grpc.StatusCode.NOT_FOUND


async def test_a_deleted_users_data_stays_and_their_name_is_free(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application, channel: grpc.aio.Channel
) -> None:
    admin = bearer(await admin_token(application))
    owner = await user_token(application, "olga", Role.ANALYST)
    key = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(name="ci", scopes=["account:manage"]), metadata=bearer(owner)
    )
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    rows = lines(
        ("timestamp", "series_id", "value"),
        *((f"{2020 + m // 12}-{m % 12 + 1:02d}-01", "a", m) for m in range(48)),
    )
    dataset = (await upload(datasets, rows, bearer(owner))).dataset
    model = (await models.CreateModel(lstm_request(dataset.dataset_id), metadata=bearer(owner))).model
    olga = (await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(owner))).user

    await auth.DeleteUser(pb.DeleteUserRequest(user_id=olga.user_id), metadata=admin)

    # What the user owned is kept, for admins.
    kept = await datasets.GetDataset(
        dataset_service_pb2.GetDatasetRequest(dataset_id=dataset.dataset_id), metadata=admin
    )
    assert kept.dataset.owner_id == olga.user_id
    assert (
        await models.GetModel(model_service_pb2.GetModelRequest(model_id=model.model_id), metadata=admin)
    ).model
    # The account is gone: its token and key, lookups, lists, a second delete.
    for credential in (bearer(owner), (("x-api-key", key.secret),)):
        me = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=credential)
        assert (await status_of(me))[0] is grpc.StatusCode.UNAUTHENTICATED
    for call in (
        auth.GetUser(pb.GetUserRequest(user_id=olga.user_id), metadata=admin),
        auth.DeleteUser(pb.DeleteUserRequest(user_id=olga.user_id), metadata=admin),
    ):
        assert (await status_of(call))[0] is grpc.StatusCode.NOT_FOUND
    listed = await auth.ListUsers(pb.ListUsersRequest(), metadata=admin)
    assert olga.user_id not in [u.user_id for u in listed.users]
    # The username and email can be registered again, as a new account.
    again = await auth.Register(
        pb.RegisterRequest(username="olga", email="olga@example.com", password=PASSWORD)
    )
    assert again.user.user_id != olga.user_id


async def test_non_admins_cannot_administer(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    analyst = await user_token(application, "otto", Role.ANALYST)
    call = auth.ListUsers(pb.ListUsersRequest(), metadata=bearer(analyst))
    assert await status_of(call) == (grpc.StatusCode.PERMISSION_DENIED, "MISSING_PERMISSION")


async def test_the_last_admin_stays(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    admin = await admin_token(application)
    me = await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(admin))
    demote = pb.UpdateUserRequest(
        user=pb.User(user_id=me.user.user_id, role=common_pb2.ROLE_VIEWER),
        update_mask=field_mask_pb2.FieldMask(paths=["role"]),
    )
    assert await status_of(auth.UpdateUser(demote, metadata=bearer(admin))) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "LAST_ADMIN",
    )
    delete_self = auth.DeleteUser(pb.DeleteUserRequest(user_id=me.user.user_id), metadata=bearer(admin))
    assert (await status_of(delete_self))[0] is grpc.StatusCode.FAILED_PRECONDITION


async def test_first_admin_from_settings_only_once(application: Application) -> None:
    assert await application.users.ensure_admin("boss", "boss@example.com", PASSWORD)
    assert not await application.users.ensure_admin("boss2", "boss2@example.com", PASSWORD)


async def test_an_email_change_ends_no_session_and_a_later_deactivation_ends_them_all(
    auth: auth_service_pb2_grpc.AuthServiceStub, application: Application
) -> None:
    admin = await admin_token(application)
    token = await user_token(application, "mira")
    me = await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(token))
    email = pb.UpdateUserRequest(
        user=pb.User(user_id=me.user.user_id, email="mira.new@example.com"),
        update_mask=field_mask_pb2.FieldMask(paths=["email"]),
    )
    await auth.UpdateUser(email, metadata=bearer(admin))
    still = await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(token))
    assert still.user.email == "mira.new@example.com"
    sessions = await auth.ListSessions(pb.ListSessionsRequest(), metadata=bearer(token))
    assert len(sessions.sessions) == 1  # the session lives on, in the database too

    deactivate = pb.UpdateUserRequest(
        user=pb.User(user_id=me.user.user_id, active=False),
        update_mask=field_mask_pb2.FieldMask(paths=["active"]),
    )
    await auth.UpdateUser(deactivate, metadata=bearer(admin))
    after = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(token))
    assert await status_of(after) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
