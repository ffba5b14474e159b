"""VerifyMfa, RefreshToken and Register carry no bearer token, yet each makes its user known: the
audit record of one that opened or renewed a session, or opened an account, names that user, as a
successful Login's does; a refused Register, like a refused Login, the username tried."""

from __future__ import annotations

import time

import grpc
import pyotp
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc, common_pb2, monitoring_service_pb2_grpc
from quantis.v1 import monitoring_service_pb2 as monitoring_pb

from server.composition import Application
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth_helpers import PASSWORD, admin_token

AUTH = "/quantis.v1.AuthService/"
Stub = auth_service_pb2_grpc.AuthServiceStub


async def audited(
    channel: grpc.aio.Channel, application: Application, method: str
) -> list[tuple[str, str, int]]:
    """(user_id, username, outcome) of each audit entry of ``method``, oldest first."""
    monitoring = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
    listed = await monitoring.ListAuditLogs(
        monitoring_pb.ListAuditLogsRequest(action=AUTH + method, sort_order=common_pb2.SORT_ORDER_ASCENDING),
        metadata=bearer(await admin_token(application, "auditor")),
    )
    return [(e.user_id, e.username, e.outcome) for e in listed.audit_logs]


async def registered(auth: Stub, username: str, email: str) -> pb.User:
    return (await auth.Register(pb.RegisterRequest(username=username, email=email, password=PASSWORD))).user


async def test_a_refresh_is_recorded_with_the_user_whose_session_it_renewed(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    user = await registered(auth, "Rita_R", "r@example.com")
    login = await auth.Login(pb.LoginRequest(username="rita_r", password=PASSWORD))
    await auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=login.tokens.refresh_token))
    unknown = await status_of(auth.RefreshToken(pb.RefreshTokenRequest(refresh_token="not-a-refresh-token")))
    assert unknown == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")

    assert await audited(channel, application, "RefreshToken") == [
        (user.user_id, "Rita_R", monitoring_pb.AUDIT_OUTCOME_SUCCESS),
        ("", "", monitoring_pb.AUDIT_OUTCOME_DENIED),  # no user: the token names none
    ]


async def test_a_verified_mfa_challenge_is_recorded_with_its_user(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    user = await registered(auth, "Mia_M", "m@example.com")
    signed_in = bearer(
        (await auth.Login(pb.LoginRequest(username="mia_m", password=PASSWORD))).tokens.access_token
    )
    totp = pyotp.TOTP((await auth.EnrollMfa(pb.EnrollMfaRequest(), metadata=signed_in)).secret)
    await auth.ConfirmMfa(pb.ConfirmMfaRequest(code=totp.now()), metadata=signed_in)

    challenge = (await auth.Login(pb.LoginRequest(username="mia_m", password=PASSWORD))).mfa_challenge
    next_code = totp.at(time.time() + totp.interval)  # the step after the one ConfirmMfa used
    await auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, code=next_code))
    bogus = await status_of(
        auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token="not-a-challenge", code="123456"))
    )
    assert bogus[0] is grpc.StatusCode.UNAUTHENTICATED

    assert await audited(channel, application, "VerifyMfa") == [
        (user.user_id, "Mia_M", monitoring_pb.AUDIT_OUTCOME_SUCCESS),
        ("", "", monitoring_pb.AUDIT_OUTCOME_DENIED),
    ]


async def test_a_registration_is_recorded_with_its_account_and_a_refused_one_with_the_name_tried(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    user = await registered(auth, "Nell_N", "n@example.com")
    taken = await status_of(
        auth.Register(pb.RegisterRequest(username="nell_n", email="other@example.com", password=PASSWORD))
    )
    assert taken == (grpc.StatusCode.ALREADY_EXISTS, "ACCOUNT_EXISTS")
    weak = await status_of(
        auth.Register(pb.RegisterRequest(username="Otto_O", email="o@example.com", password="x"))
    )
    assert weak[0] is grpc.StatusCode.INVALID_ARGUMENT

    assert await audited(channel, application, "Register") == [
        (user.user_id, "Nell_N", monitoring_pb.AUDIT_OUTCOME_SUCCESS),
        # No id: the name belongs to another person's account, or to none.
        ("", "nell_n", monitoring_pb.AUDIT_OUTCOME_FAILURE),
        ("", "Otto_O", monitoring_pb.AUDIT_OUTCOME_FAILURE),
    ]
