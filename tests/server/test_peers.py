"""Client addresses from gRPC peer strings, and through trusted proxies only."""

from __future__ import annotations

from typing import Any

import pytest

from server.interceptors.peers import PeerResolver, peer_host, rate_key


class FakeContext:
    def __init__(self, peer: str, metadata: tuple[tuple[str, str | bytes], ...] = ()):
        self._peer = peer
        self._metadata = metadata

    def peer(self) -> str:
        return self._peer

    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._metadata


def _context(peer: str, *forwarded: str) -> Any:
    return FakeContext(peer, tuple(("x-forwarded-for", hop) for hop in forwarded))


@pytest.mark.parametrize(
    ("peer", "host"),
    [
        ("ipv4:10.1.2.3:50123", "10.1.2.3"),
        ("ipv6:[2001:db8::7]:50123", "2001:db8::7"),
        ("ipv6:[::ffff:10.1.2.3]:1", "::ffff:10.1.2.3"),
        ("unix:/run/quantis.sock", "unix:/run/quantis.sock"),
        ("", ""),
    ],
)
def test_peer_host(peer: str, host: str) -> None:
    assert peer_host(peer) == host


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("2001:db8:0:1:aaaa::7", "2001:db8:0:1::/64"),  # one host usually holds a whole /64
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("unix:/run/quantis.sock", "unix:/run/quantis.sock"),
    ],
)
def test_rate_key(host: str, key: str) -> None:
    assert rate_key(host) == key


def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    resolver = PeerResolver(["10.0.0.0/8"])
    assert resolver.client_host(_context("ipv4:203.0.113.5:1", "198.51.100.1")) == "203.0.113.5"
    assert PeerResolver().client_host(_context("ipv4:10.0.0.2:1", "198.51.100.1")) == "10.0.0.2"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop() -> None:
    resolver = PeerResolver(["10.0.0.0/8"])
    # The client may send its own x-forwarded-for; only what trusted proxies appended counts.
    context = _context("ipv4:10.0.0.2:1", "6.6.6.6, 198.51.100.1", "10.0.0.9")
    assert resolver.client_host(context) == "198.51.100.1"


def test_a_malformed_forwarded_chain_counts_the_proxy() -> None:
    resolver = PeerResolver(["10.0.0.0/8"])
    assert resolver.client_host(_context("ipv4:10.0.0.2:1", "not-an-address")) == "10.0.0.2"
    assert resolver.client_host(_context("ipv4:10.0.0.2:1")) == "10.0.0.2"
