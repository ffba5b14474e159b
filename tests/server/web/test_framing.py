"""The gRPC-web body format, byte for byte."""

from __future__ import annotations

import base64

import pytest

from server.errors import InvalidArgument, Unimplemented
from server.web.framing import decode_text, message_frame, request_message, trailer_frame


def test_frames() -> None:
    assert message_frame(b"abc") == b"\x00\x00\x00\x00\x03abc"
    assert trailer_frame([("grpc-status", "0"), ("x-request-id", "r1")]) == (
        b"\x80\x00\x00\x00\x22grpc-status: 0\r\nx-request-id: r1\r\n"
    )


def test_text_mode_decodes_separately_padded_pieces() -> None:
    body = message_frame(b"hello")
    pieces = base64.b64encode(body[:5]) + b"\r\n" + base64.b64encode(body[5:])
    assert b"=" in pieces[:8]  # the first piece ends in padding mid-body
    assert decode_text(pieces) == body
    with pytest.raises(InvalidArgument):
        decode_text(b"AAAA*AAA")
    with pytest.raises(InvalidArgument):
        decode_text(b"AAA")  # a piece of a length no encoder makes


def test_request_is_exactly_one_uncompressed_message() -> None:
    assert request_message(message_frame(b"m")) == b"m"
    assert request_message(message_frame(b"")) == b""
    for body in (b"", message_frame(b"a") + message_frame(b"b"), b"\x00\x00\x00\x00\x09short"):
        with pytest.raises(InvalidArgument):
            request_message(body)
    with pytest.raises(Unimplemented):
        request_message(b"\x01\x00\x00\x00\x01z")
