"""The rows of each export, streamed from the database, and the exports list.

Each export reads through a server-side cursor (``yield_per``): a round of two million
votes is written with the memory of a few thousand rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from prizes.contest.models import Category
from prizes.db import db
from prizes.exports.models import Export
from prizes.nominations.models import Nomination
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting.models import Vote

BATCH = 5000

# No email address and no keyed hash of a network or device leaves through an export.
VOTE_HEADER = (
    "vote_id",
    "receipt_code",
    "category",
    "nomination_id",
    "cast_at_utc",
    "status",
    "invalidation_reason",
)
NOMINATION_HEADER = (
    "nomination_id",
    "category",
    "category_name",
    "status",
    "status_reason",
    "project",
    "organisation",
    "country",
    "stakeholder_type",
    "project_stage",
    "submitted_at_utc",
    "link",
    "short_description",
)


def list_exports(limit: int = 50) -> list[Export]:
    """The newest exports first, with who asked for them."""
    return list(
        db.session.scalars(
            select(Export)
            .options(joinedload(Export.requested_by))
            .order_by(Export.id.desc())
            .limit(limit)
        )
    )


def get_export(export_id: int) -> Export | None:
    return db.session.get(Export, export_id)


def vote_rows(round_id: int) -> Iterator[tuple[Any, ...]]:
    """Every vote of the round, valid and invalidated, in the order they were stored."""
    query = (
        select(
            Vote.id,
            Vote.receipt_code,
            Category.number,
            Vote.nomination_id,
            Vote.cast_at,
            Vote.status,
            Vote.invalidation_reason,
        )
        .join(Category, Category.id == Vote.category_id)
        .where(Vote.round_id == round_id)
        .order_by(Vote.id)
    )
    for vote_id, code, number, nomination_id, cast_at, status, reason in _stream(query):
        yield vote_id, code, number, nomination_id, _utc(cast_at), status.value, reason or ""


def nomination_rows(edition_id: int) -> Iterator[tuple[Any, ...]]:
    """Every nomination of the edition, whatever its status, by category."""
    query = (
        select(
            Nomination.id,
            Category.number,
            Category.official_name,
            Nomination.status,
            Nomination.status_reason,
            StocktakingEntry.title,
            StocktakingEntry.organisation,
            StocktakingEntry.country,
            StocktakingEntry.stakeholder_type,
            Nomination.project_stage,
            Nomination.submitted_at,
            Nomination.link,
            Nomination.short_description,
        )
        .join(Category, Category.id == Nomination.category_id)
        .join(StocktakingEntry, StocktakingEntry.id == Nomination.entry_id)
        .where(Nomination.edition_id == edition_id)
        .order_by(Category.number, Nomination.id)
    )
    for row in _stream(query):
        (nid, number, name, status, reason, title, organisation, country, kind, stage) = row[:10]
        submitted, link, description = row[10:]
        yield (
            nid,
            number,
            name,
            status.value,
            reason or "",
            title,
            organisation,
            country,
            kind.value,
            stage.value if stage else "",
            _utc(submitted),
            link or "",
            description,
        )


def _stream(query: Select[*tuple[Any, ...]]) -> Iterator[Any]:
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    try:
        yield from result
    finally:
        result.close()


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
