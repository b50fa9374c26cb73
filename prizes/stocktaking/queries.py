"""Named reads about stocktaking entries: the owner's lists and the public search."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, extract, false, func, or_, select

from prizes.contest.models import Category, Edition
from prizes.core.cache import cached
from prizes.core.hooks import Hook
from prizes.core.pagination import Page, paginate
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.db import db
from prizes.stocktaking.models import (
    EntryActionLine,
    EntryCountry,
    EntrySdg,
    EntryStatus,
    StocktakingEntry,
)
from prizes.stocktaking.search import TextMatch, prefer_index_scans, terms


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    TITLE = "title"
    ORGANISATION = "organisation"
    COUNTRY = "country"


@dataclass(frozen=True)
class EntryFilters:
    """What a visitor can narrow a list of projects by; every field is optional."""

    text: str = ""
    category: Category | None = None
    action_line: ActionLine | None = None
    sdg: int | None = None
    country: str | None = None
    stakeholder_type: StakeholderType | None = None
    year: int | None = None
    sort: Sort = Sort.RELEVANCE
    # Only the projects the edition open for submissions may still take ("can be nominated
    # now"); with no edition open, none.
    nominable: bool = False
    open_edition: Edition | None = None

    def key(self) -> str:
        """The filters as a string, to name a cached search."""
        category = self.category.id if self.category else None
        fields = (self.text, category, self.action_line, self.sdg, self.country)
        nominable = (self.nominable, self.open_edition.id if self.open_edition else None)
        return repr((*fields, self.stakeholder_type, self.year, self.sort, nominable))

    def without_category(self) -> EntryFilters:
        return EntryFilters(**{**self.__dict__, "category": None})


def filter_entries(
    query: Select[Any], filters: EntryFilters, *, category_by_action_line: bool = True
) -> tuple[Select[Any], Any]:
    """Apply ``filters`` to a query over stocktaking entries; returns it and the rank
    expression of the text search (None without text)."""
    rank = None
    words = terms(filters.text)
    if words:
        query, rank = TextMatch(words).apply(query)
    action_lines = {filters.action_line} if filters.action_line else set()
    if filters.category is not None and category_by_action_line:
        action_lines.add(filters.category.action_line)
    for line in action_lines:
        query = query.where(StocktakingEntry.action_lines.any(EntryActionLine.action_line == line))
    if filters.sdg is not None:
        query = query.where(StocktakingEntry.sdgs.any(EntrySdg.sdg == filters.sdg))
    if filters.country:
        # A project of several countries is found by any of them.
        code = filters.country.upper()
        query = query.where(
            or_(
                StocktakingEntry.country == code,
                StocktakingEntry.other_countries.any(EntryCountry.country == code),
            )
        )
    if filters.stakeholder_type is not None:
        query = query.where(StocktakingEntry.stakeholder_type == filters.stakeholder_type)
    return query, rank


def order_entries(query: Select[Any], sort: Sort, rank: Any, *, newest: Any) -> Select[Any]:
    if sort == Sort.RELEVANCE and rank is not None:
        return query.order_by(rank, StocktakingEntry.id)
    if sort == Sort.TITLE:
        return query.order_by(StocktakingEntry.title, StocktakingEntry.id)
    if sort == Sort.ORGANISATION:
        return query.order_by(StocktakingEntry.organisation_key, StocktakingEntry.id)
    if sort == Sort.COUNTRY:
        return query.order_by(StocktakingEntry.country, StocktakingEntry.title)
    return query.order_by(newest.desc(), StocktakingEntry.id.desc())


def search_entries(
    filters: EntryFilters, *, page: int, per_page: int = 20
) -> Page[StocktakingEntry]:
    """Published entries matching ``filters``; the year is the year the project started."""
    query = select(StocktakingEntry).where(StocktakingEntry.status == EntryStatus.PUBLISHED)
    query, rank = filter_entries(query, filters)
    if filters.year is not None:
        query = query.where(extract("year", StocktakingEntry.start_date) == filters.year)
    if filters.nominable:
        edition = filters.open_edition
        query = query.where(nominable_condition(edition) if edition is not None else false())
    query = order_entries(query, filters.sort, rank, newest=StocktakingEntry.created_at)
    if rank is None:
        return paginate(query, page=page, per_page=per_page)
    number = max(page, 1)
    key = hashlib.sha256(f"{filters.key()}|{number}|{per_page}".encode()).hexdigest()
    ids, total = cached("search", key, lambda: _ranked_ids(query, number, per_page), ttl=120)
    if not ids:
        return paginate(query, page=page, per_page=per_page)  # past the end: clamped
    found = {
        e.id: e
        for e in db.session.scalars(select(StocktakingEntry).where(StocktakingEntry.id.in_(ids)))
    }
    items = [found[i] for i in ids if i in found]
    return Page(items=items, total=total, number=number, per_page=per_page)


def _ranked_ids(query: Select[Any], number: int, per_page: int) -> tuple[list[int], int]:
    """One page of a ranked search as ids, with the total counted by the same statement:
    ranking visits every match anyway, and only the ids go through the sort (the entries'
    long descriptions did, in a query for the whole rows)."""
    offset = (number - 1) * per_page
    if db.session.get_bind().dialect.name == "sqlite":  # FTS5's bm25 takes no window
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        ids = db.session.scalars(
            query.with_only_columns(StocktakingEntry.id).limit(per_page).offset(offset)
        )
        return list(ids), db.session.scalar(counted) or 0
    prefer_index_scans()
    narrow = query.with_only_columns(StocktakingEntry.id, func.count().over())
    rows = db.session.execute(narrow.limit(per_page).offset(offset)).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def get_entry(entry_id: int) -> StocktakingEntry | None:
    return db.session.get(StocktakingEntry, entry_id)


def list_entries_owned_by(user_id: int) -> list[StocktakingEntry]:
    return list(
        db.session.scalars(
            select(StocktakingEntry)
            .where(StocktakingEntry.owner_id == user_id)
            .order_by(StocktakingEntry.updated_at.desc())
        )
    )


# What only nominations knows, asked here and answered there (its queries' init_app).
entry_is_locked: Hook[[StocktakingEntry], bool] = Hook("entry_is_locked")
"""True while a nomination of the entry holds a place in an edition whose results are not
yet published: the owner's edits would change what the rules were checked on."""
entry_nominations: Hook[[int], Sequence[object]] = Hook("entry_nominations")
"""The entry's nominations the public may see, for its page."""
nominations_by: Hook[[int], Sequence[object]] = Hook("nominations_by")
"""The nominations a stakeholder made, newest first, for their own page."""
nominable_condition: Hook[[Edition], ColumnElement[bool]] = Hook("nominable_condition")
"""The condition on entries that the edition may still take a nomination of (not nominated
there already, not a past winner), for the search's "can be nominated now"."""
why_not_nominable: Hook[[StocktakingEntry, Edition], str | None] = Hook("why_not_nominable")
"""Why the entry cannot be nominated in the edition, or None: said on its page."""
