"""The audit interceptor: one record per audited call, whatever its outcome, and never a secret."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf import field_mask_pb2
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    prediction_service_pb2,
    prediction_service_pb2_grpc,
)

from server import errors
from server.contracts import method_rules
from server.db.database import Database
from server.db.enums import AuditOutcome
from server.db.migrate import upgrade_to_head
from server.db.models import AuditLog, User
from server.domain.audit import AuditLogWriter, AuditRecord, identify_user
from server.interceptors.audit import AuditInterceptor
from server.interceptors.auth import AuthInterceptor
from server.interceptors.rate_limit import RateLimitInterceptor
from server.interceptors.wrapping import WrappingInterceptor
from server.servicers import Servicers
from server.state.rate_limit import Limit, MemoryRateLimiter
from tests.server.security_helpers import (
    ADMIN,
    ANALYST,
    VIEWER,
    FakeAuthenticator,
    bare_servicers,
    bearer,
    failure,
    serving,
)

PASSWORD = "Tr0ub4dor&3-never-logged"
NEW_PASSWORD = "C0rrect-Horse-never-logged"
SECRETS = (PASSWORD, NEW_PASSWORD, "challenge-never-logged", "refresh-never-logged", "424242")
GENEROUS = {name: Limit(rate=1000, burst=1000) for name in ("default", "auth", "prediction")}
AUTH = "/quantis.v1.AuthService/"
CHALLENGED_ID = "u-challenged"


class Audited(auth_service_pb2_grpc.AuthServiceServicer):
    """Audited RPCs that end in each way a call can end."""

    async def Register(
        self, request: auth_service_pb2.RegisterRequest, context: object
    ) -> auth_service_pb2.RegisterResponse:
        return auth_service_pb2.RegisterResponse()

    async def Login(
        self, request: auth_service_pb2.LoginRequest, context: object
    ) -> auth_service_pb2.LoginResponse:
        if request.password != PASSWORD:
            raise errors.Unauthenticated("invalid username or password", reason="INVALID_CREDENTIALS")
        return auth_service_pb2.LoginResponse()

    async def VerifyMfa(
        self, request: auth_service_pb2.VerifyMfaRequest, context: object
    ) -> auth_service_pb2.VerifyMfaResponse:
        # As the domain does: finds the challenge's user in a worker thread, then refuses.
        await asyncio.to_thread(identify_user, User(id=CHALLENGED_ID, username="Mia_M"))
        raise errors.Unauthenticated("invalid MFA code", reason="INVALID_MFA_CODE")

    async def RefreshToken(
        self, request: auth_service_pb2.RefreshTokenRequest, context: object
    ) -> auth_service_pb2.RefreshTokenResponse:
        return auth_service_pb2.RefreshTokenResponse()

    async def ChangePassword(
        self, request: auth_service_pb2.ChangePasswordRequest, context: object
    ) -> auth_service_pb2.ChangePasswordResponse:
        return auth_service_pb2.ChangePasswordResponse()

    async def GetCurrentUser(
        self, request: auth_service_pb2.GetCurrentUserRequest, context: object
    ) -> auth_service_pb2.GetCurrentUserResponse:
        return auth_service_pb2.GetCurrentUserResponse()

    async def RevokeApiKey(
        self, request: auth_service_pb2.RevokeApiKeyRequest, context: object
    ) -> auth_service_pb2.RevokeApiKeyResponse:
        return auth_service_pb2.RevokeApiKeyResponse()

    async def RevokeSession(
        self, request: auth_service_pb2.RevokeSessionRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.RevokeSessionResponse:
        await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "session already ended")

    async def DeleteUser(
        self, request: auth_service_pb2.DeleteUserRequest, context: object
    ) -> auth_service_pb2.DeleteUserResponse:
        raise errors.NotFound("user", request.user_id)

    async def UpdateUser(
        self, request: auth_service_pb2.UpdateUserRequest, context: object
    ) -> auth_service_pb2.UpdateUserResponse:
        raise KeyError("unexpected")


class Uploads(dataset_service_pb2_grpc.DatasetServiceServicer):
    async def UploadDataset(
        self, request_iterator: AsyncIterator[dataset_service_pb2.UploadDatasetRequest], context: object
    ) -> dataset_service_pb2.UploadDatasetResponse:
        async for _ in request_iterator:
            pass
        return dataset_service_pb2.UploadDatasetResponse()


class Batches(prediction_service_pb2_grpc.PredictionServiceServicer):
    async def BatchPredict(
        self, request: prediction_service_pb2.BatchPredictRequest, context: object
    ) -> AsyncIterator[prediction_service_pb2.BatchPredictResponse]:
        for _ in range(2):
            yield prediction_service_pb2.BatchPredictResponse(job_id="j-1")
        if request.job_id == "endless":
            await asyncio.Event().wait()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade_to_head(database_url)
    database = Database.connect(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def servicers() -> Servicers:
    return bare_servicers(auth=Audited(), dataset=Uploads(), prediction=Batches())


def security_layers(writer: Any, limits: dict[str, Limit] = GENEROUS) -> list[WrappingInterceptor]:
    rules = method_rules()
    return [
        AuditInterceptor(rules, writer),
        AuthInterceptor(rules, FakeAuthenticator()),
        RateLimitInterceptor(rules, MemoryRateLimiter(), limits),
    ]


@pytest.fixture
def interceptors(db: Database) -> list[WrappingInterceptor]:
    return security_layers(AuditLogWriter(db))


@pytest.fixture
def auth(channel: grpc.aio.Channel) -> auth_service_pb2_grpc.AuthServiceStub:
    return auth_service_pb2_grpc.AuthServiceStub(channel)


async def audit_rows(db: Database) -> list[dict[str, Any]]:
    def read(session: sa.orm.Session) -> list[dict[str, Any]]:
        rows = session.scalars(sa.select(AuditLog).order_by(AuditLog.created_at, AuditLog.id))
        return [
            {column.key: getattr(row, column.key) for column in AuditLog.__table__.columns} for row in rows
        ]

    return await db.run(read)


async def only_row(db: Database) -> dict[str, Any]:
    rows = await audit_rows(db)
    assert len(rows) == 1, rows
    return rows[0]


async def eventually_only_row(db: Database) -> dict[str, Any]:
    """For a call that ended before the server did: the servicer aborted it (grpc sends that status at
    once, before the record is written) or the client cancelled it."""
    for _ in range(200):
        if await audit_rows(db):
            break
        await asyncio.sleep(0.01)
    return await only_row(db)


async def test_an_audited_call_is_recorded_with_who_what_where_and_how_it_ended(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    await auth.RevokeApiKey(
        auth_service_pb2.RevokeApiKeyRequest(api_key_id="k-9"),
        metadata=bearer("viewer-token", ("x-request-id", "req-audit-1")),
    )
    row = await only_row(db)
    assert {key: row[key] for key in ("user_id", "username", "action", "resource_type", "resource_id")} == {
        "user_id": VIEWER.user_id,
        "username": VIEWER.username,
        "action": AUTH + "RevokeApiKey",
        "resource_type": "api_key",
        "resource_id": "k-9",
    }
    assert (row["outcome"], row["status_code"], row["request_id"]) == (AuditOutcome.SUCCESS, 0, "req-audit-1")
    assert row["peer"].startswith(("ipv4:127.0.0.1:", "ipv6:"))
    assert row["details"] == {"api_key_id": "k-9"}


async def test_a_call_that_is_not_audited_leaves_no_record(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    await auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=bearer("viewer-token"))
    assert await audit_rows(db) == []


async def test_an_unauthenticated_call_is_recorded_as_denied(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    await failure(auth.Logout(auth_service_pb2.LogoutRequest()))
    row = await only_row(db)
    assert (row["outcome"], row["status_code"], row["user_id"], row["username"]) == (
        AuditOutcome.DENIED,
        grpc.StatusCode.UNAUTHENTICATED.value[0],
        None,
        "",
    )


async def test_a_refused_call_without_credentials_is_recorded_with_the_user_the_domain_found(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    challenge = auth_service_pb2.VerifyMfaRequest(challenge_token="c", code="000000")
    await failure(auth.VerifyMfa(challenge))
    await failure(auth.Login(auth_service_pb2.LoginRequest(username="ghost", password=NEW_PASSWORD)))
    rows = await audit_rows(db)
    assert [(row["user_id"], row["username"], row["outcome"]) for row in rows] == [
        (CHALLENGED_ID, "Mia_M", AuditOutcome.DENIED),  # found in a worker thread; the call raised
        (None, "ghost", AuditOutcome.DENIED),  # the next call starts with no user found
    ]


async def test_a_missing_permission_is_recorded_as_denied_with_who_was_refused(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    await failure(
        auth.DeleteUser(auth_service_pb2.DeleteUserRequest(user_id="u-1"), metadata=bearer("viewer-token"))
    )
    row = await only_row(db)
    assert (row["outcome"], row["status_code"], row["user_id"]) == (
        AuditOutcome.DENIED,
        grpc.StatusCode.PERMISSION_DENIED.value[0],
        VIEWER.user_id,
    )
    assert (row["resource_type"], row["resource_id"]) == ("user", "u-1")


async def test_a_domain_error_is_recorded_as_a_failure_with_its_code(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    error = await failure(
        auth.DeleteUser(auth_service_pb2.DeleteUserRequest(user_id="u-404"), metadata=bearer("admin-token"))
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND
    row = await only_row(db)
    assert (row["outcome"], row["status_code"], row["user_id"]) == (
        AuditOutcome.FAILURE,
        grpc.StatusCode.NOT_FOUND.value[0],
        ADMIN.user_id,
    )


async def test_an_unexpected_error_is_recorded_as_internal(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    request = auth_service_pb2.UpdateUserRequest(
        user=auth_service_pb2.User(user_id="u-7"),
        update_mask=field_mask_pb2.FieldMask(paths=["role", "active"]),
    )
    error = await failure(auth.UpdateUser(request, metadata=bearer("admin-token")))
    assert error.code() is grpc.StatusCode.INTERNAL
    row = await only_row(db)
    assert (row["outcome"], row["status_code"]) == (AuditOutcome.FAILURE, grpc.StatusCode.INTERNAL.value[0])
    # The user changed is named one level down; the mask says what was to change.
    assert (row["resource_type"], row["resource_id"]) == ("user", "u-7")
    assert row["details"] == {"update_mask": "role,active"}


async def test_an_aborted_call_is_recorded_with_the_code_it_aborted_with(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database
) -> None:
    error = await failure(
        auth.RevokeSession(
            auth_service_pb2.RevokeSessionRequest(session_id="s-9"), metadata=bearer("viewer-token")
        )
    )
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    row = await eventually_only_row(db)
    assert (row["outcome"], row["status_code"]) == (
        AuditOutcome.FAILURE,
        grpc.StatusCode.FAILED_PRECONDITION.value[0],
    )


async def test_a_client_stream_is_recorded_without_details(channel: grpc.aio.Channel, db: Database) -> None:
    async def chunks() -> AsyncIterator[dataset_service_pb2.UploadDatasetRequest]:
        yield dataset_service_pb2.UploadDatasetRequest(chunk=b"date,value\n")

    await dataset_service_pb2_grpc.DatasetServiceStub(channel).UploadDataset(
        chunks(), metadata=bearer("analyst-token")
    )
    row = await only_row(db)
    assert (row["action"], row["outcome"], row["user_id"]) == (
        "/quantis.v1.DatasetService/UploadDataset",
        AuditOutcome.SUCCESS,
        ANALYST.user_id,
    )
    assert (row["resource_type"], row["details"]) == ("", {})


async def test_a_server_stream_is_recorded_when_it_ends(channel: grpc.aio.Channel, db: Database) -> None:
    request = prediction_service_pb2.BatchPredictRequest(
        dataset_id="d-1", model_id="m-1", horizon=7, quantiles=[0.1, 0.9]
    )
    stream = prediction_service_pb2_grpc.PredictionServiceStub(channel).BatchPredict(
        request, metadata=bearer("viewer-token")
    )
    assert len([response async for response in stream]) == 2
    row = await only_row(db)
    assert (row["outcome"], row["resource_type"], row["resource_id"]) == (
        AuditOutcome.SUCCESS,
        "dataset",
        "d-1",
    )
    assert row["details"] == {"dataset_id": "d-1", "model_id": "m-1", "horizon": "7"}  # no repeated fields


async def test_a_stream_the_client_cancels_is_recorded_as_cancelled(
    channel: grpc.aio.Channel, db: Database
) -> None:
    stream = prediction_service_pb2_grpc.PredictionServiceStub(channel).BatchPredict(
        prediction_service_pb2.BatchPredictRequest(job_id="endless"), metadata=bearer("viewer-token")
    )
    await stream.read()
    stream.cancel()
    row = await eventually_only_row(db)
    assert (row["outcome"], row["status_code"]) == (AuditOutcome.FAILURE, grpc.StatusCode.CANCELLED.value[0])


async def test_passwords_tokens_and_codes_never_reach_the_audit_log_or_the_logs(
    auth: auth_service_pb2_grpc.AuthServiceStub, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await auth.Register(
        auth_service_pb2.RegisterRequest(username="new_user", email="n@example.com", password=PASSWORD)
    )
    await failure(auth.Login(auth_service_pb2.LoginRequest(username="new_user", password=NEW_PASSWORD)))
    await auth.Login(auth_service_pb2.LoginRequest(username="new_user", password=PASSWORD))
    await failure(
        auth.VerifyMfa(auth_service_pb2.VerifyMfaRequest(challenge_token=SECRETS[2], code=SECRETS[4]))
    )
    await auth.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=SECRETS[3]))
    await auth.ChangePassword(
        auth_service_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW_PASSWORD),
        metadata=bearer("viewer-token"),
    )
    rows = await audit_rows(db)
    assert [(row["action"].removeprefix(AUTH), row["outcome"]) for row in rows] == [
        ("Register", AuditOutcome.SUCCESS),
        ("Login", AuditOutcome.DENIED),
        ("Login", AuditOutcome.SUCCESS),
        ("VerifyMfa", AuditOutcome.DENIED),
        ("RefreshToken", AuditOutcome.SUCCESS),
        ("ChangePassword", AuditOutcome.SUCCESS),
    ]
    assert rows[0]["details"] == {"username": "new_user", "email": "n@example.com"}
    assert rows[1]["details"] == {"username": "new_user", "reason": "INVALID_CREDENTIALS"}
    assert [row["details"] for row in rows[3:]] == [{"reason": "INVALID_MFA_CODE"}, {}, {}]
    stored = repr(rows)
    logged = caplog.text + repr([vars(record) for record in caplog.records])
    for secret in SECRETS:
        assert secret not in stored
        assert secret not in logged


async def test_a_record_that_cannot_be_written_does_not_change_the_callers_result(
    servicers: Servicers, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenWriter:
        async def write(self, record: AuditRecord) -> None:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    async with serving(servicers, security_layers(BrokenWriter())) as channel:
        stub = auth_service_pb2_grpc.AuthServiceStub(channel)
        await stub.RevokeApiKey(
            auth_service_pb2.RevokeApiKeyRequest(api_key_id="k-1"), metadata=bearer("viewer-token")
        )
        error = await failure(
            stub.DeleteUser(auth_service_pb2.DeleteUserRequest(user_id="u-1"), metadata=bearer("admin-token"))
        )
        assert error.code() is grpc.StatusCode.NOT_FOUND
        await stub.Login(auth_service_pb2.LoginRequest(username="u", password=PASSWORD))
    failures = [r for r in caplog.records if r.name == "server.audit"]
    assert len(failures) == 3 and all(r.exc_info for r in failures)
    assert PASSWORD not in caplog.text


async def test_a_rate_limited_call_is_recorded_as_a_failure(servicers: Servicers, db: Database) -> None:
    tight = {**GENEROUS, "auth": Limit(rate=0.01, burst=1)}
    async with serving(servicers, security_layers(AuditLogWriter(db), tight)) as channel:
        stub = auth_service_pb2_grpc.AuthServiceStub(channel)
        await stub.Login(auth_service_pb2.LoginRequest(username="u", password=PASSWORD))
        await failure(stub.Login(auth_service_pb2.LoginRequest(username="u", password=PASSWORD)))
    rows = await audit_rows(db)
    assert [(row["outcome"], row["status_code"]) for row in rows] == [
        (AuditOutcome.SUCCESS, 0),
        (AuditOutcome.FAILURE, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]),
    ]


async def test_the_writer_fits_long_values_to_their_columns(db: Database) -> None:
    await AuditLogWriter(db).write(
        AuditRecord(
            action="/quantis.v1.ModelService/DeleteModel",
            outcome=AuditOutcome.FAILURE,
            status_code=5,
            username="u" * 80,
            resource_type="model",
            resource_id="m" * 1000,
            peer="ipv6:" + "f" * 300,
            request_id="r" * 100,
            details={"note": "n" * 1000},
        )
    )
    row = await only_row(db)
    assert (len(row["username"]), len(row["resource_id"]), len(row["peer"]), len(row["request_id"])) == (
        50,
        255,
        255,
        64,
    )
    assert row["details"] == {"note": "n" * 200}
