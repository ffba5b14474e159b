"""A call without credentials that is refused after the server found out whose account it is
about (a wrong password for an existing user, a locked account, a wrong MFA code on a valid
challenge, a replayed or expired challenge, a reused or ended refresh token) is recorded with that user:
those are the records a security review looks for. A username with no account is recorded
with no user id, and the caller's answer is the same either way."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import grpc
import pyotp
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import monitoring_service_pb2 as monitoring_pb

from server.auth.tokens import TokenCodec
from server.composition import Application
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth.test_audited_token_calls import Stub, audited
from tests.server.auth_helpers import PASSWORD

WRONG_PASSWORD = "Wrong-Horse-9-Battery"
DENIED = monitoring_pb.AUDIT_OUTCOME_DENIED
SUCCESS = monitoring_pb.AUDIT_OUTCOME_SUCCESS
INVALID_CREDENTIALS = (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")


async def register(auth: Stub, username: str) -> str:
    request = pb.RegisterRequest(username=username, email=f"{username}@example.com", password=PASSWORD)
    return str((await auth.Register(request)).user.user_id)


async def test_a_wrong_password_is_recorded_with_the_user_it_was_tried_for_and_a_ghost_with_none(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    wendy = await register(auth, "Wendy_W")
    tried = await status_of(auth.Login(pb.LoginRequest(username="wendy_w", password=WRONG_PASSWORD)))
    ghost = await status_of(auth.Login(pb.LoginRequest(username="ghost_user", password=WRONG_PASSWORD)))
    assert tried == ghost == INVALID_CREDENTIALS  # the caller cannot tell them apart

    assert await audited(channel, application, "Login") == [
        (wendy, "Wendy_W", DENIED),
        ("", "ghost_user", DENIED),  # no account: no user id, only the name tried
    ]


async def test_a_login_on_a_locked_account_is_recorded_with_its_user(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    lena = await register(auth, "Lena_L")
    for _ in range(application.settings.lockout_failures):
        await status_of(auth.Login(pb.LoginRequest(username="lena_l", password=WRONG_PASSWORD)))
    # The right password, but the account is locked: refused like any other bad login.
    locked = await status_of(auth.Login(pb.LoginRequest(username="lena_l", password=PASSWORD)))
    assert locked == INVALID_CREDENTIALS

    entries = await audited(channel, application, "Login")
    assert len(entries) == application.settings.lockout_failures + 1
    assert set(entries) == {(lena, "Lena_L", DENIED)}


async def test_a_wrong_mfa_code_and_a_replayed_challenge_are_recorded_with_the_challenges_user(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    mia = await register(auth, "Mia_M")
    signed_in = bearer(
        (await auth.Login(pb.LoginRequest(username="mia_m", password=PASSWORD))).tokens.access_token
    )
    totp = pyotp.TOTP((await auth.EnrollMfa(pb.EnrollMfaRequest(), metadata=signed_in)).secret)
    await auth.ConfirmMfa(pb.ConfirmMfaRequest(code=totp.now()), metadata=signed_in)
    window = {totp.at(time.time() + steps * totp.interval) for steps in range(-3, 4)}
    wrong_code = next(code for code in ("000000", "111111", "222222", "333333") if code not in window)

    challenge = (await auth.Login(pb.LoginRequest(username="mia_m", password=PASSWORD))).mfa_challenge
    guessed = pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, code=wrong_code)
    assert await status_of(auth.VerifyMfa(guessed)) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_MFA_CODE")
    replayed = pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, code=totp.now())
    assert await status_of(auth.VerifyMfa(replayed)) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")

    assert await audited(channel, application, "VerifyMfa") == [
        (mia, "Mia_M", DENIED),  # a code guessed for Mia
        (mia, "Mia_M", DENIED),  # her challenge presented again
    ]


async def test_an_expired_challenge_is_recorded_with_its_user_and_a_forged_one_with_none(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    nora = await register(auth, "Nora_N")
    codec = application.accounts._codec  # the server's own signing key
    issued = datetime.now(UTC) - timedelta(minutes=10)
    expired, _ = codec.issue_challenge(nora, timedelta(minutes=5), issued)
    forged, _ = TokenCodec("another-secret-of-at-least-32-bytes!", timedelta(minutes=15)).issue_challenge(
        nora, timedelta(minutes=5), datetime.now(UTC)
    )
    for token, reason in ((expired, "TOKEN_EXPIRED"), (forged, "TOKEN_INVALID")):
        call = auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token=token, code="123456"))
        assert await status_of(call) == (grpc.StatusCode.UNAUTHENTICATED, reason)

    assert await audited(channel, application, "VerifyMfa") == [
        (nora, "Nora_N", DENIED),  # her password was right, the challenge ran out
        ("", "", DENIED),  # not signed by this server: it names nobody
    ]


async def test_a_reused_or_ended_refresh_token_is_recorded_with_its_sessions_user(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    rita = await register(auth, "Rita_R")
    first = (await auth.Login(pb.LoginRequest(username="rita_r", password=PASSWORD))).tokens
    renewed = (await auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token))).tokens
    replayed = await status_of(auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token)))
    assert replayed == (grpc.StatusCode.UNAUTHENTICATED, "REFRESH_TOKEN_REUSED")
    # The reuse ended the family: its newest token is refused too.
    ended = await status_of(auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=renewed.refresh_token)))
    assert ended == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    # A session ended by logging out.
    other = (await auth.Login(pb.LoginRequest(username="rita_r", password=PASSWORD))).tokens
    await auth.Logout(pb.LogoutRequest(), metadata=bearer(other.access_token))
    logged_out = await status_of(auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=other.refresh_token)))
    assert logged_out == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")

    assert await audited(channel, application, "RefreshToken") == [
        (rita, "Rita_R", SUCCESS),
        (rita, "Rita_R", DENIED),  # the leaked token replayed
        (rita, "Rita_R", DENIED),
        (rita, "Rita_R", DENIED),
    ]


async def test_concurrent_logins_are_each_recorded_with_their_own_user(
    auth: Stub, channel: grpc.aio.Channel, application: Application
) -> None:
    users = {name: await register(auth, name) for name in ("Ann_A", "Bob_B")}
    names = ["Ann_A", "ghost_one", "Bob_B", "ghost_two"] * 2
    answers = await asyncio.gather(
        *(status_of(auth.Login(pb.LoginRequest(username=n, password=WRONG_PASSWORD))) for n in names)
    )
    assert set(answers) == {INVALID_CREDENTIALS}

    recorded = sorted(await audited(channel, application, "Login"))
    expected = [(users.get(n, ""), n, DENIED) for n in names]
    assert recorded == sorted(expected)
