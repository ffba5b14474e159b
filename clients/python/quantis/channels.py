"""Channels to a Quantis server: plaintext for loopback, TLS or mutual TLS otherwise.

Every channel carries the retry service config (see ``quantis.retries``) and
message limits matching the server's, so a caller gets retries of idempotent
calls without configuring anything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from quantis.retries import RetryPolicy, service_config

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Tls:
    """TLS settings: ``root_certificates`` (PEM) to trust instead of the system's, and a client
    certificate chain with its private key for mutual TLS."""

    root_certificates: bytes | None = None
    certificate_chain: bytes | None = None
    private_key: bytes | None = None

    @classmethod
    def from_files(
        cls, root: str | Path | None = None, cert: str | Path | None = None, key: str | Path | None = None
    ) -> Tls:
        def read(path: str | Path | None) -> bytes | None:
            return Path(path).read_bytes() if path else None

        return cls(read(root), read(cert), read(key))

    def credentials(self) -> grpc.ChannelCredentials:
        if (self.certificate_chain is None) != (self.private_key is None):
            raise ValueError("mutual TLS needs both a certificate chain and its private key")
        return grpc.ssl_channel_credentials(self.root_certificates, self.private_key, self.certificate_chain)


def is_loopback(target: str) -> bool:
    """Whether ``target`` (``host:port``) names this machine, where plaintext is the default."""
    host = target.rsplit(":", 1)[0].strip("[]") if ":" in target else target
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def options(retry: RetryPolicy | None) -> list[tuple[str, Any]]:
    return [
        ("grpc.service_config", service_config(retry)),
        ("grpc.enable_retries", 1 if retry else 0),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ]


def _secure(target: str, tls: Tls | None, insecure: bool | None) -> grpc.ChannelCredentials | None:
    """The channel credentials, or None for plaintext: loopback defaults to plaintext, TLS when given."""
    plaintext = is_loopback(target) and tls is None if insecure is None else insecure
    if plaintext:
        if tls is not None:
            raise ValueError("insecure=True and tls are exclusive")
        return None
    return (tls or Tls()).credentials()


def sync_channel(
    target: str,
    tls: Tls | None,
    insecure: bool | None,
    retry: RetryPolicy | None,
    interceptors: Sequence[grpc.UnaryUnaryClientInterceptor],
) -> tuple[grpc.Channel, grpc.Channel]:
    """The raw channel (to close) and the same channel behind ``interceptors`` (to call)."""
    credentials = _secure(target, tls, insecure)
    if credentials is None:
        raw = grpc.insecure_channel(target, options=options(retry))
    else:
        raw = grpc.secure_channel(target, credentials, options=options(retry))
    return raw, grpc.intercept_channel(raw, *interceptors)


def aio_channel(
    target: str,
    tls: Tls | None,
    insecure: bool | None,
    retry: RetryPolicy | None,
    interceptors: Sequence[grpc.aio.ClientInterceptor],
) -> grpc.aio.Channel:
    credentials = _secure(target, tls, insecure)
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=options(retry), interceptors=interceptors)
    return grpc.aio.secure_channel(target, credentials, options=options(retry), interceptors=interceptors)
