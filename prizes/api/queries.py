"""The API's reads: a page of entries by cursor, over the site's own search and filters."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, extract, or_, select

from prizes.core.clock import now
from prizes.db import db
from prizes.stocktaking.models import EntryStatus, StocktakingEntry
from prizes.stocktaking.queries import EntryFilters, Sort, filter_entries, order_entries
from prizes.stocktaking.search import terms


class BadCursor(ValueError):
    """A cursor this API did not make, or made for another sort."""


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor from error
    if not isinstance(data, dict):
        raise BadCursor
    return data


def check_cursor(filters: EntryFilters, cursor: str | None) -> None:
    """Refuse (BadCursor) a cursor that is not one of ours for this sort, before anything
    is read or cached."""
    if cursor:
        relevant = filters.sort == Sort.RELEVANCE and terms(filters.text)
        sort = filters.sort if relevant or filters.sort != Sort.RELEVANCE else Sort.NEWEST
        state = decode_cursor(cursor)
        if state.get("s") != sort.value:
            raise BadCursor


def _after(sort: Sort, key: list[Any]) -> Any:
    """The keyset condition: rows strictly after ``key`` in ``sort``'s order."""
    entry = StocktakingEntry
    if sort == Sort.TITLE:
        title, entry_id = str(key[0]), int(key[1])
        return or_(entry.title > title, and_(entry.title == title, entry.id > entry_id))
    moment, entry_id = datetime.fromisoformat(str(key[0])), int(key[1])
    return or_(entry.created_at < moment, and_(entry.created_at == moment, entry.id < entry_id))


def entry_page(
    filters: EntryFilters, *, limit: int, cursor: str | None
) -> tuple[list[StocktakingEntry], str | None]:
    """One page of published entries matching ``filters`` and the cursor of the next page.

    Newest and title order page by keyset (stable while entries are added); relevance, whose
    rank is computed per query, pages by position. One query for the page: it asks for one
    row more than it shows to know whether there is a next page.
    """
    query = select(StocktakingEntry).where(StocktakingEntry.status == EntryStatus.PUBLISHED)
    query, rank = filter_entries(query, filters)
    if filters.year is not None:
        query = query.where(extract("year", StocktakingEntry.start_date) == filters.year)
    sort = filters.sort if filters.sort != Sort.RELEVANCE or rank is not None else Sort.NEWEST
    query = order_entries(query, sort, rank, newest=StocktakingEntry.created_at)
    state = decode_cursor(cursor) if cursor else {}
    if state and state.get("s") != sort.value:
        raise BadCursor
    offset = 0
    try:
        if sort == Sort.RELEVANCE:
            offset = int(state.get("o", 0))
            if not 0 <= offset <= 100_000:
                raise BadCursor
            query = query.offset(offset)
        elif state:
            key = state.get("k")
            if not isinstance(key, list) or len(key) != 2:
                raise BadCursor
            query = query.where(_after(sort, key))
    except (TypeError, ValueError) as error:
        raise BadCursor from error
    rows = list(db.session.scalars(query.limit(limit + 1)))
    entries = rows[:limit]
    if len(rows) <= limit:
        return entries, None
    last = entries[-1]
    if sort == Sort.RELEVANCE:
        return entries, encode_cursor({"s": sort.value, "o": offset + limit})
    key = [last.title, last.id] if sort == Sort.TITLE else [last.created_at.isoformat(), last.id]
    return entries, encode_cursor({"s": sort.value, "k": key})


def moment() -> datetime:
    return now()
