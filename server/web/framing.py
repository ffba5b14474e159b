"""The gRPC-web wire format: length-prefixed frames, the trailer frame, and base64 text mode.

A frame is one flag byte, a big-endian 32-bit length and that many bytes. Flag 0x00 carries
a message, flag 0x80 the trailers as HTTP/1 header lines (``name: value\\r\\n``), so that
a browser, which cannot read HTTP trailers, still gets the status. In text mode
(``application/grpc-web-text``) the body is base64; a client may send it as several
separately padded pieces, and a streamed response is encoded frame by frame the same way.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct

from server.errors import InvalidArgument, Unimplemented

MESSAGE_FLAG = 0x00
TRAILER_FLAG = 0x80
_COMPRESSED_FLAG = 0x01
_HEADER = struct.Struct(">BI")

# One base64 piece: data characters, then the padding (if any) that ends it.
_BASE64_PIECE = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def message_frame(message: bytes) -> bytes:
    return _HEADER.pack(MESSAGE_FLAG, len(message)) + message


def trailer_frame(trailers: list[tuple[str, str]]) -> bytes:
    block = "".join(f"{name}: {value}\r\n" for name, value in trailers).encode("ascii")
    return _HEADER.pack(TRAILER_FLAG, len(block)) + block


def request_message(body: bytes) -> bytes:
    """The one message of a unary or server-streaming request body (frames already decoded
    from text mode). The bridge never negotiates compression, so a compressed frame is refused."""
    frames: list[bytes] = []
    offset = 0
    while offset < len(body):
        if len(body) - offset < _HEADER.size:
            raise InvalidArgument.field("request body", "ends inside a gRPC-web frame header")
        flag, length = _HEADER.unpack_from(body, offset)
        offset += _HEADER.size
        if offset + length > len(body):
            raise InvalidArgument.field("request body", "ends inside a gRPC-web frame")
        if flag & _COMPRESSED_FLAG:
            raise Unimplemented("compressed gRPC-web requests are not supported; send them uncompressed")
        if flag & TRAILER_FLAG:
            raise InvalidArgument.field("request body", "a request carries no trailer frame")
        frames.append(body[offset : offset + length])
        offset += length
    if len(frames) != 1:
        raise InvalidArgument.field("request body", f"expected one gRPC-web message frame, got {len(frames)}")
    return frames[0]


def decode_text(body: bytes) -> bytes:
    """Base64 text mode: decode each padded piece on its own (clients may send one per frame)."""
    compact = b"".join(body.split())
    decoded = bytearray()
    position = 0
    try:
        while position < len(compact):
            piece = _BASE64_PIECE.match(compact, position)
            if piece is None or not piece.group() or len(piece.group()) % 4:
                raise binascii.Error("not a whole base64 piece")
            decoded += base64.b64decode(piece.group(), validate=True)
            position = piece.end()
    except binascii.Error as error:
        raise InvalidArgument.field(
            "request body", "is not valid base64 (application/grpc-web-text)"
        ) from error
    return bytes(decoded)


def encode_text(data: bytes) -> bytes:
    return base64.b64encode(data)
