"""Login, token refresh (ahead of expiry and after a refusal) and API keys, against a real server."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import quantis
from quantis import errors
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import dataset_service_pb2

from server.composition import Application
from server.settings import Settings
from tests.clients.python.conftest import register
from tests.server.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Access tokens of one minute, the shortest the server allows."""
    return make_settings(tmp_path, access_token_minutes=1)


async def test_login_sends_the_access_token(analyst: quantis.AsyncClient) -> None:
    me = await analyst.auth.GetCurrentUser(pb.GetCurrentUserRequest())
    assert me.user.username == "ana"
    assert "datasets:write" in me.permissions


async def test_token_about_to_expire_is_refreshed_before_the_call(
    application: Application, target: str
) -> None:
    password = await register(application, "rita")
    stored: list[quantis.Tokens] = []
    # A margin longer than the token's life: every call finds it about to expire.
    async with quantis.AsyncClient(
        target, refresh_margin=timedelta(seconds=61), on_refresh=stored.append
    ) as client:
        first = await client.login("rita", password)
        me = await client.auth.GetCurrentUser(pb.GetCurrentUserRequest())
        second = client.credentials.tokens
    assert me.user.username == "rita"
    assert second is not None and second.refresh_token != first.refresh_token
    assert second.session_id == first.session_id
    assert stored == [first, second]
    # The first refresh token was consumed: presenting it again is refused (and ends the session).
    async with quantis.AsyncClient(target) as other:
        with pytest.raises(errors.Unauthenticated):
            await other.auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token))


async def test_rejected_access_token_is_refreshed_once_for_concurrent_calls(
    analyst: quantis.AsyncClient,
) -> None:
    tokens = analyst.credentials.tokens
    assert tokens is not None
    analyst.credentials.tokens = dataclasses.replace(tokens, access_token="not-a-jwt")
    answers = await asyncio.gather(
        *(analyst.auth.GetCurrentUser(pb.GetCurrentUserRequest()) for _ in range(8))
    )
    assert {a.user.username for a in answers} == {"ana"}
    renewed = analyst.credentials.tokens
    assert renewed is not None and renewed.refresh_token != tokens.refresh_token
    # Had two of the calls refreshed with the same token, reuse detection would have ended the session.
    assert (await analyst.auth.GetCurrentUser(pb.GetCurrentUserRequest())).user.username == "ana"


async def test_api_key(analyst: quantis.AsyncClient, target: str) -> None:
    created = await analyst.auth.CreateApiKey(pb.CreateApiKeyRequest(name="ci", scopes=["datasets:read"]))
    async with quantis.AsyncClient(target, api_key=created.secret) as client:
        listed = await client.datasets.ListDatasets(dataset_service_pb2.ListDatasetsRequest())
        with pytest.raises(errors.PermissionDenied) as refused:
            await client.auth.GetCurrentUser(pb.GetCurrentUserRequest())
    assert listed.total_size == 0
    # Authenticated as ana, limited to the key's scopes.
    assert (refused.value.reason, refused.value.metadata) == (
        "MISSING_PERMISSION",
        {"permission": "account:manage"},
    )
    async with quantis.AsyncClient(target, api_key="qk_wrong") as client:
        with pytest.raises(errors.Unauthenticated):
            await client.datasets.ListDatasets(dataset_service_pb2.ListDatasetsRequest())


async def test_mfa_account_needs_a_code(application: Application, target: str) -> None:
    password = await register(application, "mia")
    async with quantis.AsyncClient(target) as client:
        await client.login("mia", password)
        totp = pyotp.TOTP((await client.auth.EnrollMfa(pb.EnrollMfaRequest())).secret)
        await client.auth.ConfirmMfa(pb.ConfirmMfaRequest(code=totp.now()))
    async with quantis.AsyncClient(target) as client:
        with pytest.raises(errors.MfaRequired):
            await client.login("mia", password)
        # A code is accepted once; the next step's is within the server's window.
        await client.login("mia", password, totp=totp.at(time.time() + totp.interval))
        assert (await client.auth.GetCurrentUser(pb.GetCurrentUserRequest())).user.username == "mia"


async def test_sync_client_refreshes_a_rejected_token(analyst: quantis.AsyncClient, target: str) -> None:
    tokens = analyst.credentials.tokens
    assert tokens is not None
    rotated: list[quantis.Tokens] = []

    def call() -> str:
        stale = dataclasses.replace(tokens, access_token="not-a-jwt")
        with quantis.Client(target, tokens=stale, on_refresh=rotated.append) as client:
            return str(client.auth.GetCurrentUser(pb.GetCurrentUserRequest()).user.username)

    assert await asyncio.to_thread(call) == "ana"
    assert len(rotated) == 1 and rotated[0].session_id == tokens.session_id
