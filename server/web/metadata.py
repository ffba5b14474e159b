"""Between HTTP/1.1 headers and gRPC metadata, in both directions, as Envoy forwards them.

Every request header travels to the gRPC server except the hop-by-hop ones and those the
gRPC transport owns; ``grpc-timeout`` becomes the call's deadline, and the caller's address is
appended to ``x-forwarded-for`` (Envoy's ``use_remote_address``), so the server's per-address
rate limits and audit records name the browser's machine where QUANTIS_TRUSTED_PROXIES trusts
the bridge.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from server.errors import InvalidArgument

Metadata = list[tuple[str, str | bytes]]

# RFC 9110 §7.6.1, plus the proxy headers HTTP/1 clients still send.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
# Set by the gRPC channel itself for the HTTP/2 request it makes; grpc-* names are reserved for
# the protocol (grpc-timeout becomes the deadline instead).
_TRANSPORT = {
    "host",
    "content-type",
    "content-length",
    "content-encoding",
    "accept",
    "accept-encoding",
    "user-agent",
}
_TIMEOUT = re.compile(r"(\d{1,8})([HMSmun])")
_SECONDS_PER_UNIT = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_KEY = re.compile(r"[0-9a-z_.-]+")


def timeout_seconds(headers: Mapping[str, str]) -> float | None:
    """The deadline the caller set with ``grpc-timeout`` (e.g. ``500m``), in seconds."""
    value = headers.get("grpc-timeout")
    if value is None:
        return None
    match = _TIMEOUT.fullmatch(value.strip())
    if match is None:
        raise InvalidArgument.field(
            "grpc-timeout header", f"{value!r} is not a gRPC timeout (1 to 8 digits and a unit of HMSmun)"
        )
    return int(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]


def request_metadata(headers: Iterable[tuple[str, str]], remote: str | None) -> Metadata:
    """The gRPC metadata a request's headers become."""
    pairs = [(name.lower(), value) for name, value in headers]
    listed = {
        token.strip().lower() for name, value in pairs if name == "connection" for token in value.split(",")
    }
    metadata: Metadata = []
    forwarded_for: list[str] = []
    for name, value in pairs:
        if name in _HOP_BY_HOP or name in _TRANSPORT or name in listed or name.startswith("grpc-"):
            continue
        if not _KEY.fullmatch(name):
            raise InvalidArgument.field(
                f"{name} header", "gRPC metadata names are 0-9, a-z, '_', '.' and '-'"
            )
        if name == "x-forwarded-for":
            forwarded_for.append(value)
        elif name.endswith("-bin"):
            metadata.append((name, _decode_binary(name, value)))
        elif _PRINTABLE.fullmatch(value):
            metadata.append((name, value))
        else:
            raise InvalidArgument.field(
                f"{name} header", "must be printable ASCII to travel as gRPC metadata"
            )
    if remote:
        forwarded_for.append(remote)
    if forwarded_for:
        metadata.append(("x-forwarded-for", ", ".join(forwarded_for)))
    return metadata


def _decode_binary(name: str, value: str) -> bytes:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except binascii.Error as error:
        raise InvalidArgument.field(f"{name} header", "is not base64, as a -bin header must be") from error


def header_value(value: str | bytes) -> str:
    """A metadata value as an HTTP header value: binary (``-bin``) values in unpadded base64."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii").rstrip("=")
    return value


def percent_encode(message: str) -> str:
    """``grpc-message`` as the gRPC protocol sends it: UTF-8, with bytes outside printable ASCII
    and ``%`` percent-encoded."""
    return quote(message, safe="".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%"))
