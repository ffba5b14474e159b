"""Keyset pagination with opaque page tokens (newest first unless a list asks otherwise).

A page token encodes the (time, id) of the last item of the previous page, the time
being the one the list is ordered by (created_at unless the caller names another key);
the next page continues strictly after it, so concurrent inserts never shift or repeat
items the way an offset would. Every list's tokens are valid only in the list they came from,
with the filters and order they were made under: its ``page_request`` names a ``scope``
(``token_scope`` of the list's name, filters and order), the PageRequest carries it, and
``split_page`` writes it into the next token. A token used elsewhere is INVALID_ARGUMENT
instead of a page of something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.search_terms import utc_time
from server.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class Keyed(Protocol):
    id: str
    created_at: datetime


K = TypeVar("K", bound=Keyed)


@dataclass(frozen=True)
class PageRequest:
    size: int
    after: tuple[datetime, str] | None
    scope: str = ""  # what the tokens of this list, filters and order are valid for


def page_request(page_size: int, page_token: str, scope: str = "") -> PageRequest:
    """The page asked for; ``page_token`` must have been made under ``scope`` (``token_scope``
    of the list's name, filters and order), which the next page's token carries in turn."""
    if page_size < 0:
        raise InvalidArgument.field("page_size", "must not be negative")
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    if not page_token:
        return PageRequest(size, None, scope)
    return PageRequest(size, decode_token(page_token, scope), scope)


def decode_token(page_token: str, scope: str = "") -> tuple[datetime, str]:
    """The (time, id) a page token continues after; INVALID_ARGUMENT for anything that is not a
    token this module made (every stored time has a UTC offset) under ``scope``."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(page_token.encode()))
        after = utc_time(str(decoded["t"])), str(decoded["i"])
        made_under = str(decoded.get("s", ""))
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidArgument.field("page_token", "is not a token from a previous page") from exc
    if made_under != scope:
        raise InvalidArgument.field(
            "page_token", "was made for another filter or order; ask again from page one"
        )
    return after


def encode_token(item: Keyed, at: datetime | None = None, scope: str = "") -> str:
    """The token of the page that continues after ``item``, ordered by ``at`` (its created_at
    unless given) and then id, valid under ``scope``."""
    fields: dict[str, str] = {"t": (at or item.created_at).isoformat(), "i": item.id}
    if scope:
        fields["s"] = scope
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()


def token_scope(list_name: str, *filters: object) -> str:
    """A short digest of what a list's tokens are valid for: the list (its RPC's name) and every
    filter and order that changes what its pages hold, each with a stable ``repr``."""
    return hashlib.sha256(repr((list_name, *filters)).encode()).hexdigest()[:16]


def paginate(
    query: sa.Select[Any], model: Any, page: PageRequest, key: Any = None, ascending: bool = False
) -> sa.Select[Any]:
    """``query`` restricted to the requested page (one extra row tells if more follow), latest
    first (earliest if ``ascending``) by ``key`` (a time column or SQL expression;
    ``model.created_at`` unless given), then id."""
    at = model.created_at if key is None else key
    if page.after is not None:
        after, item_id = page.after
        if ascending:
            query = query.where(sa.or_(at > after, sa.and_(at == after, model.id > item_id)))
        else:
            query = query.where(sa.or_(at < after, sa.and_(at == after, model.id < item_id)))
    order = (at.asc(), model.id.asc()) if ascending else (at.desc(), model.id.desc())
    return query.order_by(*order).limit(page.size + 1)


def split_page(
    rows: Sequence[K], page: PageRequest, key_of: Callable[[K], datetime] | None = None
) -> tuple[list[K], str]:
    """The page's items and the token of the next page ("" when this is the last), valid under
    the page's scope; ``key_of`` reads the time the rows are ordered by (their created_at
    unless given)."""
    items = list(rows[: page.size])
    if len(rows) <= page.size:
        return items, ""
    last = items[-1]
    return items, encode_token(last, None if key_of is None else key_of(last), page.scope)


def count(session: Session, selected: sa.Select[Any]) -> int:
    """How many rows ``selected`` matches, ignoring any paging."""
    return session.scalar(sa.select(sa.func.count()).select_from(selected.subquery())) or 0


def fetch_page(
    session: Session, selected: sa.Select[Any], model: Any, page: PageRequest, ascending: bool = False
) -> tuple[list[Any], str, int]:
    """One page of ``selected`` (newest first unless ``ascending``), the next page's token, and the
    total count."""
    rows = session.scalars(paginate(selected, model, page, ascending=ascending)).all()
    items, token = split_page(rows, page)
    return items, token, count(session, selected)
