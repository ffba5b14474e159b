"""The full auth flow over a real channel: register, login, MFA, refresh rotation,
reuse detection, logout."""

from __future__ import annotations

import time

import grpc
import pyotp
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc, common_pb2

from tests.server.auth.conftest import bearer, status_of

PASSWORD = "Sturdy-Passw0rd!"


async def register_and_login(auth: auth_service_pb2_grpc.AuthServiceStub, username: str) -> pb.Tokens:
    await auth.Register(
        pb.RegisterRequest(username=username, email=f"{username}@example.com", password=PASSWORD)
    )
    response = await auth.Login(pb.LoginRequest(username=username, password=PASSWORD))
    assert response.WhichOneof("result") == "tokens"
    return response.tokens


async def test_register_login_and_current_user(auth: auth_service_pb2_grpc.AuthServiceStub) -> None:
    registered = await auth.Register(
        pb.RegisterRequest(username="ada", email="ada@example.com", password=PASSWORD)
    )
    assert registered.user.role == common_pb2.ROLE_VIEWER and registered.user.user_id
    tokens = (await auth.Login(pb.LoginRequest(username="ADA", password=PASSWORD))).tokens
    assert tokens.token_type == "Bearer" and tokens.refresh_token and tokens.session_id
    lifetime = tokens.access_token_expire_time.seconds - time.time()
    assert 14 * 60 < lifetime <= 15 * 60 + 5
    me = await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(tokens.access_token))
    assert me.user.username == "ada" and me.user.last_login_time.seconds > 0
    assert "datasets:read" in me.permissions and "datasets:write" not in me.permissions


async def test_bad_registrations_name_the_field(auth: auth_service_pb2_grpc.AuthServiceStub) -> None:
    cases = [
        ("username", pb.RegisterRequest(username="a!", email="a@example.com", password=PASSWORD)),
        # A trailing newline or a control character is not part of a name or an address.
        ("username", pb.RegisterRequest(username="bob\n", email="a@example.com", password=PASSWORD)),
        ("email", pb.RegisterRequest(username="bob", email="not-an-email", password=PASSWORD)),
        ("email", pb.RegisterRequest(username="bob", email="b@example.com\n", password=PASSWORD)),
        ("email", pb.RegisterRequest(username="bob", email="b\x00@example.com", password=PASSWORD)),
        ("password", pb.RegisterRequest(username="bob", email="b@example.com", password="short")),
    ]
    for field, request in cases:
        with __import__("pytest").raises(grpc.aio.AioRpcError) as raised:
            await auth.Register(request)
        assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in (raised.value.details() or "")
    await auth.Register(pb.RegisterRequest(username="bob", email="b@example.com", password=PASSWORD))
    duplicate = pb.RegisterRequest(username="BOB", email="other@example.com", password=PASSWORD)
    assert (await status_of(auth.Register(duplicate)))[0] is grpc.StatusCode.ALREADY_EXISTS


async def test_refresh_rotates_and_reuse_revokes_the_family(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    first = await register_and_login(auth, "carol")
    second = (await auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token))).tokens
    assert second.refresh_token != first.refresh_token and second.session_id == first.session_id
    third = (await auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=second.refresh_token))).tokens

    # The first token is presented again: it leaked, so the whole family ends.
    reuse = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token))
    assert await status_of(reuse) == (grpc.StatusCode.UNAUTHENTICATED, "REFRESH_TOKEN_REUSED")
    latest = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=third.refresh_token))
    assert (await status_of(latest))[0] is grpc.StatusCode.UNAUTHENTICATED
    # Access tokens of that session stop working at once, not when they expire.
    me = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(third.access_token))
    assert await status_of(me) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")


async def test_logout_revokes_the_session(auth: auth_service_pb2_grpc.AuthServiceStub) -> None:
    tokens = await register_and_login(auth, "dave")
    await auth.Logout(pb.LogoutRequest(), metadata=bearer(tokens.access_token))
    me = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(tokens.access_token))
    assert await status_of(me) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
    refresh = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=tokens.refresh_token))
    assert (await status_of(refresh))[0] is grpc.StatusCode.UNAUTHENTICATED


async def test_mfa_enrol_login_challenge_and_single_use_codes(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    tokens = await register_and_login(auth, "erin")
    md = bearer(tokens.access_token)
    enrolled = await auth.EnrollMfa(pb.EnrollMfaRequest(), metadata=md)
    assert enrolled.otpauth_uri.startswith("otpauth://totp/") and "erin" in enrolled.otpauth_uri
    totp = pyotp.TOTP(enrolled.secret)
    wrong = auth.ConfirmMfa(
        pb.ConfirmMfaRequest(code="000000" if totp.now() != "000000" else "111111"), metadata=md
    )
    assert (await status_of(wrong))[0] is grpc.StatusCode.INVALID_ARGUMENT
    code = totp.now()
    confirmed = await auth.ConfirmMfa(pb.ConfirmMfaRequest(code=code), metadata=md)
    assert confirmed.user.mfa_enabled

    login = await auth.Login(pb.LoginRequest(username="erin", password=PASSWORD))
    assert login.WhichOneof("result") == "mfa_challenge"
    challenge = login.mfa_challenge.challenge_token
    replay = auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token=challenge, code=code))
    assert await status_of(replay) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_MFA_CODE")
    # A challenge allows one attempt: after a wrong code, log in again.
    spent = auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token=challenge, code=totp.at(time.time() + 30)))
    assert await status_of(spent) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    challenge = (
        await auth.Login(pb.LoginRequest(username="erin", password=PASSWORD))
    ).mfa_challenge.challenge_token
    next_code = totp.at(time.time() + totp.interval)
    verified = await auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token=challenge, code=next_code))
    assert verified.tokens.access_token
    again = auth.VerifyMfa(pb.VerifyMfaRequest(challenge_token=challenge, code=next_code))
    assert (await status_of(again))[0] is grpc.StatusCode.UNAUTHENTICATED

    later_code = totp.at(time.time() - totp.interval)  # older than the last used step: refused
    stale = auth.DisableMfa(
        pb.DisableMfaRequest(code=later_code), metadata=bearer(verified.tokens.access_token)
    )
    assert (await status_of(stale))[0] is grpc.StatusCode.INVALID_ARGUMENT


async def test_lockout_after_five_failures_does_not_reveal_existence(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    await register_and_login(auth, "frank")
    for _ in range(5):
        failed = auth.Login(pb.LoginRequest(username="frank", password="Wrong-Passw0rd!"))
        assert await status_of(failed) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")
    locked = auth.Login(pb.LoginRequest(username="frank", password=PASSWORD))
    unknown = auth.Login(pb.LoginRequest(username="nobody_here", password=PASSWORD))
    locked_error, unknown_error = await status_of(locked), await status_of(unknown)
    assert locked_error == unknown_error == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")


async def test_change_password_ends_other_sessions(auth: auth_service_pb2_grpc.AuthServiceStub) -> None:
    first = await register_and_login(auth, "gina")
    second = (await auth.Login(pb.LoginRequest(username="gina", password=PASSWORD))).tokens
    new_password = "Another-Passw0rd?"
    bad = auth.ChangePassword(
        pb.ChangePasswordRequest(current_password="Wrong-Passw0rd!", new_password=new_password),
        metadata=bearer(second.access_token),
    )
    assert (await status_of(bad))[0] is grpc.StatusCode.INVALID_ARGUMENT
    changed = await auth.ChangePassword(
        pb.ChangePasswordRequest(current_password=PASSWORD, new_password=new_password),
        metadata=bearer(second.access_token),
    )
    assert changed.revoked_session_count == 1
    other = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(first.access_token))
    assert (await status_of(other))[0] is grpc.StatusCode.UNAUTHENTICATED
    await auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(second.access_token))
    relogin = await auth.Login(pb.LoginRequest(username="gina", password=new_password))
    assert relogin.tokens.access_token


async def test_wrong_current_passwords_count_towards_the_lockout(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    tokens = await register_and_login(auth, "gwen")
    for _ in range(5):  # the policy's lockout_failures
        bad = auth.ChangePassword(
            pb.ChangePasswordRequest(current_password="Wrong-Passw0rd!", new_password="Another-Passw0rd?"),
            metadata=bearer(tokens.access_token),
        )
        assert await status_of(bad) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    locked = auth.Login(pb.LoginRequest(username="gwen", password=PASSWORD))
    assert await status_of(locked) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")
    # Locked: the session can guess no further, not even with the right password.
    right = auth.ChangePassword(
        pb.ChangePasswordRequest(current_password=PASSWORD, new_password="Another-Passw0rd?"),
        metadata=bearer(tokens.access_token),
    )
    assert await status_of(right) == (grpc.StatusCode.FAILED_PRECONDITION, "ACCOUNT_LOCKED")


async def test_wrong_mfa_codes_lock_the_account_though_the_password_is_right(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    tokens = await register_and_login(auth, "hugo")
    md = bearer(tokens.access_token)
    totp = pyotp.TOTP((await auth.EnrollMfa(pb.EnrollMfaRequest(), metadata=md)).secret)
    await auth.ConfirmMfa(pb.ConfirmMfaRequest(code=totp.now()), metadata=md)
    for _ in range(5):  # the policy's lockout_failures, each after a right password
        login = await auth.Login(pb.LoginRequest(username="hugo", password=PASSWORD))
        wrong = "000000" if totp.now() != "000000" else "111111"
        guess = auth.VerifyMfa(
            pb.VerifyMfaRequest(challenge_token=login.mfa_challenge.challenge_token, code=wrong)
        )
        assert await status_of(guess) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_MFA_CODE")
    locked = auth.Login(pb.LoginRequest(username="hugo", password=PASSWORD))
    assert await status_of(locked) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")


async def test_sessions_list_revoke_and_cap(auth: auth_service_pb2_grpc.AuthServiceStub) -> None:
    tokens = await register_and_login(auth, "hank")
    others = [
        (await auth.Login(pb.LoginRequest(username="hank", password=PASSWORD))).tokens for _ in range(2)
    ]
    listed = await auth.ListSessions(pb.ListSessionsRequest(), metadata=bearer(tokens.access_token))
    assert listed.total_size == 3
    assert [s.current for s in listed.sessions].count(True) == 1
    await auth.RevokeSession(
        pb.RevokeSessionRequest(session_id=others[0].session_id), metadata=bearer(tokens.access_token)
    )
    revoked = auth.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=bearer(others[0].access_token))
    assert (await status_of(revoked))[0] is grpc.StatusCode.UNAUTHENTICATED
    foreign = auth.RevokeSession(
        pb.RevokeSessionRequest(session_id="no-such-session"), metadata=bearer(tokens.access_token)
    )
    assert (await status_of(foreign))[0] is grpc.StatusCode.NOT_FOUND


async def test_an_ended_sessions_refresh_token_is_not_called_reuse(
    auth: auth_service_pb2_grpc.AuthServiceStub,
) -> None:
    first = await register_and_login(auth, "ines")
    for _ in range(10):  # the per-user cap of sessions: the first is pushed out
        await auth.Login(pb.LoginRequest(username="ines", password=PASSWORD))
    pushed_out = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token))
    assert await status_of(pushed_out) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    logged_out = (await auth.Login(pb.LoginRequest(username="ines", password=PASSWORD))).tokens
    await auth.Logout(pb.LogoutRequest(), metadata=bearer(logged_out.access_token))
    after_logout = auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=logged_out.refresh_token))
    assert await status_of(after_logout) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
