"""TLS options: the client trusts a given CA and presents a client certificate for mutual TLS."""

from __future__ import annotations

import pytest
import quantis
from quantis import errors

from server.composition import Application
from server.grpc_server import RunningServer
from tests.clients.python.conftest import register
from tests.server import test_tls

pki = test_tls.pki
mtls_server = test_tls.mtls_server


async def test_mutual_tls(mtls_server: RunningServer, pki: test_tls.Pki, application: Application) -> None:
    password = await register(application, "tia")
    target = f"localhost:{mtls_server.port}"
    mutual = quantis.Tls(pki.ca.cert, pki.client.cert, pki.client.key)
    async with quantis.AsyncClient(target, tls=mutual) as client:
        # The bare TLS server has no auth layer, so only public calls answer there.
        tokens = await client.login("tia", password)
        assert (await client.refresh()).session_id == tokens.session_id
    # Trusting the CA is not enough: the server wants a client certificate it issued.
    for refused in (
        quantis.Tls(pki.ca.cert),
        quantis.Tls(pki.ca.cert, pki.rogue_client.cert, pki.rogue_client.key),
    ):
        async with quantis.AsyncClient(target, tls=refused, timeout=5) as client:
            with pytest.raises((errors.Unavailable, errors.DeadlineExceeded)):
                await client.login("tia", password)


def test_plaintext_is_the_default_for_loopback_only() -> None:
    from quantis.channels import is_loopback

    assert [is_loopback(t) for t in ("127.0.0.1:1", "localhost:1", "[::1]:1", "quantis.example.com:443")] == [
        True,
        True,
        True,
        False,
    ]
    with pytest.raises(ValueError, match="exclusive"):
        quantis.Client("127.0.0.1:1", tls=quantis.Tls(), insecure=True)
