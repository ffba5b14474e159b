"""Walking a list RPC's pages the way a client does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def every_page(fetch: Callable[[str], Awaitable[Any]], items: Callable[[Any], Iterable[T]]) -> list[T]:
    """What ``items`` reads from each page ``fetch(page_token)`` returns, first page to last."""
    found: list[T] = []
    token = ""
    while True:
        page = await fetch(token)
        found += list(items(page))
        token = page.next_page_token
        if not token:
            return found
