"""Access tokens: a verified token is remembered until it expires, never past that."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from server.auth.permissions import Role
from server.auth.tokens import TokenCodec
from server.errors import Unauthenticated


def test_verified_tokens_are_remembered_only_while_valid() -> None:
    codec = TokenCodec("a-test-secret-that-is-long-enough-for-hs256", timedelta(seconds=2), verified_cache=2)
    token, claims = codec.issue("u-1", "ana", Role.ANALYST, "s-1", datetime.now(UTC))
    assert codec.verify(token).token_id == claims.token_id
    assert codec.verify(token) is codec.verify(token)  # the remembered claims

    with pytest.raises(Unauthenticated):
        codec.verify(token[:-2] + "xx")  # a bad signature is checked, and not remembered
    with pytest.raises(Unauthenticated):
        codec.verify(token[:-2] + "xx")

    others = [codec.issue(f"u-{i}", "x", Role.VIEWER, "s", datetime.now(UTC))[0] for i in range(3)]
    for other in others:
        codec.verify(other)
    assert token not in codec._verified and len(codec._verified) == 2  # bounded, oldest out

    time.sleep(2.1)
    with pytest.raises(Unauthenticated, match="expired"):
        codec.verify(others[-1])  # remembered, but expired: verified again, and refused
