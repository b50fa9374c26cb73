"""Named reads about stocktaking entries: the owner's lists and the public search."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, extract, or_, select
from sqlalchemy.orm import joinedload

from prizes.contest.models import Category
from prizes.core.pagination import Page, paginate
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.stocktaking.models import (
    EntryActionLine,
    EntryCountry,
    EntrySdg,
    EntryStatus,
    StocktakingEntry,
)
from prizes.stocktaking.search import TextMatch, terms


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
    query = order_entries(query, filters.sort, rank, newest=StocktakingEntry.created_at)
    return paginate(query, page=page, per_page=per_page)


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


def list_nominations_by(user_id: int) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.nominator_id == user_id)
            .options(
                joinedload(Nomination.entry),
                joinedload(Nomination.category),
                joinedload(Nomination.edition),
            )
            .order_by(Nomination.updated_at.desc())
        )
    )
