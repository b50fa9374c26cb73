"""Named reads about nominations: the public nominated list, counts, the review queue."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import false, func, select
from sqlalchemy.orm import joinedload, selectinload

from prizes.contest.models import Category, Edition
from prizes.core.pagination import Page, paginate
from prizes.db import db
from prizes.nominations.models import PUBLIC_STATUSES, Nomination, NominationStatus
from prizes.nominations.rules import HOLDING_PLACE, nominable_in, why_not_nominable
from prizes.stocktaking import queries as stocktaking
from prizes.stocktaking.models import StocktakingEntry
from prizes.stocktaking.queries import EntryFilters, filter_entries, order_entries


def init_app(app: Flask) -> None:
    """Answer stocktaking's questions about nominations (see core/hooks.py)."""
    stocktaking.entry_is_locked.answer_with(is_entry_nominated)
    stocktaking.entry_nominations.answer_with(list_nominations_of_entry)
    stocktaking.nominations_by.answer_with(list_nominations_by)
    stocktaking.nominable_condition.answer_with(nominable_in)
    stocktaking.why_not_nominable.answer_with(why_not_nominable)


def _nominations_matching(edition: Edition, filters: EntryFilters, statuses: Any) -> Any:
    query = (
        select(Nomination)
        .join(Nomination.entry)
        .where(Nomination.edition_id == edition.id, Nomination.status.in_(statuses))
    )
    if not edition.nominated_list_is_public:
        query = query.where(false())  # nothing is public before the announcement
    query, rank = filter_entries(query, filters, category_by_action_line=False)
    if filters.category is not None:
        query = query.where(Nomination.category_id == filters.category.id)
    return query, rank


def search_nominated(
    edition: Edition, filters: EntryFilters, *, page: int, per_page: int = 20
) -> Page[Nomination]:
    """The edition's nominated projects (and later statuses) matching ``filters``."""
    query, rank = _nominations_matching(edition, filters, PUBLIC_STATUSES)
    query = order_entries(query, filters.sort, rank, newest=Nomination.submitted_at).options(
        joinedload(Nomination.entry).selectinload(StocktakingEntry.action_lines),
        joinedload(Nomination.category),
    )
    return paginate(query, page=page, per_page=per_page)


def count_nominated_by_category(edition: Edition, filters: EntryFilters) -> dict[int, int]:
    """How many nominated projects match in each category (one query, all categories)."""
    query, _rank = _nominations_matching(edition, filters.without_category(), PUBLIC_STATUSES)
    counted = query.with_only_columns(Nomination.category_id, func.count(Nomination.id)).group_by(
        Nomination.category_id
    )
    return {category_id: count for category_id, count in db.session.execute(counted)}


def list_editions() -> list[Edition]:
    return list(db.session.scalars(select(Edition).order_by(Edition.year.desc())))


def get_edition_by_year(year: int) -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.year == year))


# What a page listing or showing a nomination reads of it, loaded with it.
_WITH_ITS_PLACE = (
    joinedload(Nomination.entry),
    joinedload(Nomination.category),
    joinedload(Nomination.edition),
)


def get_nomination(nomination_id: int) -> Nomination | None:
    return db.session.scalar(
        select(Nomination)
        .where(Nomination.id == nomination_id)
        .options(*_WITH_ITS_PLACE, selectinload(Nomination.sdg_links))
    )


def list_nominations_of_entry(entry_id: int) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .join(Nomination.edition)
            .where(
                Nomination.entry_id == entry_id,
                Nomination.status.in_(PUBLIC_STATUSES),
                Edition.nominated_list_announced_at.is_not(None),
            )
            .options(joinedload(Nomination.edition), joinedload(Nomination.category))
            .order_by(Edition.year.desc())
        )
    )


def list_nominations_by(user_id: int) -> list[Nomination]:
    """The nominations a stakeholder made, the latest changed first (their own page)."""
    mine = select(Nomination).where(Nomination.nominator_id == user_id)
    return list(
        db.session.scalars(mine.options(*_WITH_ITS_PLACE).order_by(Nomination.updated_at.desc()))
    )


def is_entry_nominated(entry: StocktakingEntry) -> bool:
    """True while a nomination of the entry holds a place in an edition whose results are
    not yet published (stocktaking then locks the entry against its owner's edits)."""
    running = (
        select(Nomination.id)
        .join(Edition, Edition.id == Nomination.edition_id)
        .where(
            Nomination.entry_id == entry.id,
            Nomination.status.in_(HOLDING_PLACE),
            Edition.results_published_at.is_(None),
        )
        .limit(1)
    )
    return db.session.scalar(running) is not None


def review_queue(edition: Edition, category: Category) -> list[Nomination]:
    """Submitted nominations of one category, oldest first, with what the queue shows."""
    return list(
        db.session.scalars(
            select(Nomination)
            .where(
                Nomination.edition_id == edition.id,
                Nomination.category_id == category.id,
                Nomination.status == NominationStatus.SUBMITTED,
            )
            .options(
                joinedload(Nomination.entry).selectinload(StocktakingEntry.action_lines),
                joinedload(Nomination.nominator),
                joinedload(Nomination.category),
                joinedload(Nomination.edition),
                selectinload(Nomination.sdg_links),
            )
            .order_by(Nomination.submitted_at, Nomination.id)
        )
    )


def count_by_status(
    edition: Edition, category_ids: list[int] | None = None
) -> dict[tuple[int, str], int]:
    """Nominations per (category, status) for the review overview, in one query."""
    query = (
        select(Nomination.category_id, Nomination.status, func.count(Nomination.id))
        .where(Nomination.edition_id == edition.id)
        .group_by(Nomination.category_id, Nomination.status)
    )
    if category_ids is not None:
        query = query.where(Nomination.category_id.in_(category_ids))
    return {(cid, status.value): count for cid, status, count in db.session.execute(query)}
