"""Which request headers reach the gRPC server as metadata, and in what form."""

from __future__ import annotations

import pytest

from server.errors import InvalidArgument
from server.web.metadata import percent_encode, request_metadata, timeout_seconds


def test_forwarded_headers_and_what_stays_behind() -> None:
    headers = [
        ("Authorization", "Bearer abc"),
        ("X-Api-Key", "qk_1"),
        ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "dropped: named by Connection"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Type", "application/grpc-web+proto"),
        ("grpc-timeout", "5S"),
        ("X-Trace-Bin", "AAEC"),
        ("X-Forwarded-For", "203.0.113.7"),
    ]
    assert request_metadata(headers, "192.0.2.1") == [
        ("authorization", "Bearer abc"),
        ("x-api-key", "qk_1"),
        ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ("x-trace-bin", b"\x00\x01\x02"),
        ("x-forwarded-for", "203.0.113.7, 192.0.2.1"),  # the caller appended, as Envoy does
    ]


@pytest.mark.parametrize(
    ("header", "value"), [("x-note", "caf\u00e9"), ("x-odd!", "1"), ("x-blob-bin", "not base64!")]
)
def test_headers_grpc_cannot_carry_are_invalid_arguments(header: str, value: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        request_metadata([(header, value)], None)
    assert raised.value.violations[0].field == f"{header} header"


def test_grpc_timeout_units() -> None:
    assert timeout_seconds({"grpc-timeout": "2H"}) == 7200
    assert timeout_seconds({"grpc-timeout": "1500m"}) == pytest.approx(1.5)
    assert timeout_seconds({"grpc-timeout": "250000u"}) == pytest.approx(0.25)
    assert timeout_seconds({}) is None
    with pytest.raises(InvalidArgument):
        timeout_seconds({"grpc-timeout": "123456789S"})  # more than 8 digits


def test_grpc_message_is_percent_encoded() -> None:
    assert percent_encode("rate 100% reached: caf\u00e9\n") == "rate 100%25 reached: caf%C3%A9%0A"
