"""TLS and mutual TLS for the gRPC port, from the PEM files the settings name."""

from __future__ import annotations

import grpc

from server.settings import Settings


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """Credentials for the gRPC port, or None to serve plaintext.

    With a client CA the handshake requires a client certificate that CA signed, so a
    client without one is refused before any RPC runs.
    """
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    pair = (settings.tls_key_file.read_bytes(), settings.tls_cert_file.read_bytes())
    client_ca = settings.tls_client_ca_file
    return grpc.ssl_server_credentials(
        [pair],
        root_certificates=client_ca.read_bytes() if client_ca is not None else None,
        require_client_auth=client_ca is not None,
    )
