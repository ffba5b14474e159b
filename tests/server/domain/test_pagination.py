"""Page tokens: what a page hands out reads back, and anything else is the caller's error."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from server.domain.pagination import encode_token, page_request
from server.errors import InvalidArgument


@dataclass
class Row:
    id: str
    created_at: datetime


def crafted(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def test_a_token_reads_back_as_the_row_it_continues_after() -> None:
    row = Row("b7", datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC))
    assert page_request(2, encode_token(row)).after == (row.created_at, "b7")


@pytest.mark.parametrize(
    "token",
    [
        "not base64 at all!",
        crafted({"t": "2024-01-01T00:00:00", "i": "x"}),  # no UTC offset: no stored row has one
        crafted({"t": "yesterday", "i": "x"}),
        crafted({"t": 5, "i": "x"}),
        crafted({"i": "x"}),
        crafted(["2024-01-01T00:00:00+00:00", "x"]),
        crafted("text"),
    ],
)
def test_anything_else_is_invalid_argument_naming_page_token(token: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        page_request(10, token)
    assert [violation.field for violation in raised.value.violations] == ["page_token"]
