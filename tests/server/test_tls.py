"""TLS and mutual TLS on the gRPC port, with certificates made here for the test."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import ValidationError

from server.grpc_server import RunningServer, create_server
from server.servicers import Servicers
from server.settings import Settings
from server.tls import server_credentials


@dataclass
class Issued:
    key: bytes
    cert: bytes


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(
    common: str, issuer: tuple[ec.EllipticCurvePrivateKey, x509.Name] | None, *, server: bool = False
) -> tuple[ec.EllipticCurvePrivateKey, Issued]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    signer, issuer_name = issuer if issuer is not None else (key, _name(common))
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif issuer is not None:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    cert = builder.sign(signer, hashes.SHA256())
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key, Issued(pem_key, cert.public_bytes(serialization.Encoding.PEM))


@dataclass
class Pki:
    ca: Issued
    server: Issued
    client: Issued
    rogue_client: Issued


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca_key, ca = _issue("quantis test CA", None)
    ca_name = x509.load_pem_x509_certificate(ca.cert).subject
    _, server = _issue("localhost", (ca_key, ca_name), server=True)
    _, client = _issue("operator", (ca_key, ca_name))
    rogue_key, rogue = _issue("rogue CA", None)
    _, rogue_client = _issue("operator", (rogue_key, x509.load_pem_x509_certificate(rogue.cert).subject))
    return Pki(ca, server, client, rogue_client)


def _settings(tmp_path: Path, pki: Pki, *, mutual: bool) -> Settings:
    files = {"ca.pem": pki.ca.cert, "server.pem": pki.server.cert, "server.key": pki.server.key}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return Settings(
        tls_cert_file=tmp_path / "server.pem",
        tls_key_file=tmp_path / "server.key",
        tls_client_ca_file=(tmp_path / "ca.pem") if mutual else None,
    )


async def _start(servicers: Servicers, settings: Settings) -> RunningServer:
    return await create_server(servicers, port=0, credentials=server_credentials(settings))


async def _health(channel: grpc.aio.Channel) -> int:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(response.status)


def _secure(port: int, pki: Pki, client: Issued | None) -> grpc.aio.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.cert,
        private_key=client.key if client else None,
        certificate_chain=client.cert if client else None,
    )
    return grpc.aio.secure_channel(f"localhost:{port}", credentials)


@pytest.fixture
async def tls_server(tmp_path: Path, pki: Pki, servicers: Servicers) -> AsyncIterator[RunningServer]:
    running = await _start(servicers, _settings(tmp_path, pki, mutual=False))
    try:
        yield running
    finally:
        await running.stop(0)


@pytest.fixture
async def mtls_server(tmp_path: Path, pki: Pki, servicers: Servicers) -> AsyncIterator[RunningServer]:
    running = await _start(servicers, _settings(tmp_path, pki, mutual=True))
    try:
        yield running
    finally:
        await running.stop(0)


async def test_tls_serves_clients_that_trust_the_ca_and_refuses_plaintext(
    tls_server: RunningServer, pki: Pki
) -> None:
    async with _secure(tls_server.port, pki, None) as channel:
        assert await _health(channel) == health_pb2.HealthCheckResponse.SERVING
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tls_server.port}") as plain:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _health(plain)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_tls_client_that_does_not_trust_the_server_certificate_is_refused(
    tls_server: RunningServer, pki: Pki
) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.rogue_client.cert)
    async with grpc.aio.secure_channel(f"localhost:{tls_server.port}", credentials) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _health(channel)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_mutual_tls_needs_a_client_certificate_from_the_client_ca(
    mtls_server: RunningServer, pki: Pki
) -> None:
    async with _secure(mtls_server.port, pki, pki.client) as channel:
        assert await _health(channel) == health_pb2.HealthCheckResponse.SERVING
    for client in (None, pki.rogue_client):
        async with _secure(mtls_server.port, pki, client) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await _health(channel)
        assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


def test_half_a_tls_configuration_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="QUANTIS_TLS_KEY_FILE"):
        Settings(tls_cert_file=tmp_path / "server.pem")
    with pytest.raises(ValidationError, match="mutual TLS"):
        Settings(tls_client_ca_file=tmp_path / "ca.pem")
