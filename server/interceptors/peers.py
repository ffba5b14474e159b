"""Who is on the other end of a call: the client's address, seen through trusted proxies.

Behind a reverse proxy (Envoy for gRPC-web) every call comes from the proxy's
address. When the direct peer is in a trusted network, the client is the
right-most address of ``x-forwarded-for`` that is not itself a trusted proxy;
the header is ignored for anyone else, so a client cannot pick its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from server.interceptors.wrapping import Context

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


def peer_host(peer: str) -> str:
    """The address part of a gRPC peer string (``ipv4:10.0.0.7:53122``, ``ipv6:[::1]:53122``);
    anything else (``unix:/run/q.sock``) whole."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rpartition(":")[0] or rest
    if kind == "ipv6":
        return rest[1:].partition("]")[0] if rest.startswith("[") else rest
    return peer


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def rate_key(host: str) -> str:
    """The address a caller is counted by: an IPv6 client by its /64, which one host usually holds."""
    address = _address(host)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address) if address is not None else host


class PeerResolver:
    """Finds the client's address, believing x-forwarded-for only from ``trusted_proxies``."""

    def __init__(self, trusted_proxies: Iterable[Network | str] = ()):
        self._trusted = [ipaddress.ip_network(network, strict=False) for network in trusted_proxies]

    def _is_trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self._trusted)

    def client_host(self, context: Context) -> str:
        host = peer_host(context.peer() or "")
        if not self._is_trusted(_address(host)):
            return host
        forwarded = [
            hop.strip()
            for key, value in context.invocation_metadata() or ()
            if key == "x-forwarded-for" and isinstance(value, str)
            for hop in value.split(",")
        ]
        for hop in reversed(forwarded):
            address = _address(hop)
            if address is None:
                return host  # a malformed chain names nobody reliably; count the proxy
            if not self._is_trusted(address):
                return str(address)
        return host
