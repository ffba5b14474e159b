"""The client side of gRPC-web, written out by hand so the tests check the bytes on the wire."""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

import aiohttp
from google.protobuf.message import Message
from multidict import CIMultiDict

BINARY = "application/grpc-web+proto"
TEXT = "application/grpc-web-text"


def frame(message: Message, flag: int = 0) -> bytes:
    payload = message.SerializeToString()
    return struct.pack(">BI", flag, len(payload)) + payload


@dataclass
class Reply:
    """A whole gRPC-web response: its HTTP headers, messages and trailers."""

    headers: Mapping[str, str]
    messages: list[bytes] = field(default_factory=list)
    trailers: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return int(self.trailers["grpc-status"])

    @property
    def message(self) -> str:
        return unquote(self.trailers.get("grpc-message", ""))


def parse_trailers(block: bytes) -> dict[str, str]:
    lines = block.decode("ascii").split("\r\n")
    assert lines[-1] == "", "every trailer line ends with CRLF"
    return {name: value for name, _, value in (line.partition(": ") for line in lines[:-1])}


def parse_body(body: bytes) -> tuple[list[bytes], dict[str, str]]:
    """Message frames, then exactly one trailer frame at the end."""
    messages: list[bytes] = []
    offset = 0
    while offset < len(body):
        flag, length = struct.unpack_from(">BI", body, offset)
        payload = body[offset + 5 : offset + 5 + length]
        offset += 5 + length
        if flag == 0x80:
            assert offset == len(body), "the trailer frame is the last"
            return messages, parse_trailers(payload)
        assert flag == 0x00
        messages.append(payload)
    raise AssertionError("no trailer frame")


def decode_text_body(body: bytes) -> bytes:
    """Base64 pieces, each padded (the bridge encodes frame by frame)."""
    decoded, rest = b"", body
    while rest:
        end = len(rest)
        for index in range(4, len(rest) + 1, 4):
            if rest[index - 1 : index] == b"=":
                end = index
                break
        decoded += base64.b64decode(rest[:end])
        rest = rest[end:]
    return decoded


async def call(
    http: aiohttp.ClientSession,
    url: str,
    method: str,
    request: Message,
    *,
    headers: dict[str, str] | None = None,
    content_type: str = BINARY,
) -> Reply:
    body = frame(request)
    if content_type.startswith(TEXT):
        body = base64.b64encode(body)
    async with http.post(
        f"{url}/{method}", data=body, headers={"content-type": content_type, **(headers or {})}
    ) as response:
        assert response.status == 200, await response.text()
        raw = await response.read()
        if response.content_type.startswith(TEXT):
            raw = decode_text_body(raw)
        messages, trailers = parse_body(raw)
        return Reply(CIMultiDict(response.headers), messages, trailers)
