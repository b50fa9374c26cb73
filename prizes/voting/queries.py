"""Named reads about rounds, ballots, votes and tallies.

The tally is one GROUP BY over the votes' covering index (round, category, status,
nomination); nothing here loads vote rows to count them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import joinedload, lazyload

from prizes.contest import queries as contest
from prizes.contest.models import Category, category_name
from prizes.core.cache import cached, cached_here
from prizes.core.hooks import Hook
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting.models import (
    BallotEntry,
    FlagStatus,
    IntegrityReview,
    ReviewStatus,
    SuspicionFlag,
    Vote,
    VoteStatus,
    VotingRound,
)

# A vote's project with its entry, and not the entry's action lines and SDGs: the pages that
# name the project never show those, and loading them was two more queries a page.
_ENTRY_ONLY = joinedload(Nomination.entry).options(
    lazyload(StocktakingEntry.action_lines), lazyload(StocktakingEntry.sdgs)
)
_PROJECT_TITLE = joinedload(Vote.nomination).options(_ENTRY_ONLY)


def init_app(app: Flask) -> None:
    """Answer contest's question about an edition's rounds (see core/hooks.py)."""
    contest.edition_rounds.answer_with(list_rounds)


def list_rounds(edition_id: int) -> list[VotingRound]:
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.edition_id == edition_id)
            .order_by(VotingRound.number)
        )
    )


def get_round(round_id: int) -> VotingRound | None:
    return db.session.get(VotingRound, round_id)


def get_open_round(edition_id: int, moment: datetime) -> VotingRound | None:
    return db.session.scalar(
        select(VotingRound)
        .where(
            VotingRound.edition_id == edition_id,
            VotingRound.opens_at <= moment,
            VotingRound.closes_at > moment,
            VotingRound.finalised_at.is_(None),
        )
        .order_by(VotingRound.number)
        .limit(1)
    )


def list_open_rounds(moment: datetime) -> list[VotingRound]:
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(
                VotingRound.opens_at <= moment,
                VotingRound.closes_at > moment,
                VotingRound.finalised_at.is_(None),
            )
            .options(joinedload(VotingRound.edition))
            .order_by(VotingRound.closes_at)
        )
    )


@dataclass(frozen=True)
class BallotCategory:
    """A category as the ballot shows it (plain values, so it can be kept in a cache)."""

    id: int
    number: int
    name: str  # in the reader's language
    official_name: str  # in English, for the data exports


def ballot_categories(round_id: int) -> list[tuple[BallotCategory, int]]:
    """The categories on the round's ballot, in order, with how many projects each has
    (kept per process while the catalogue is unchanged: a ballot never changes)."""
    return cached_here(
        "catalogue", f"ballot-categories-counted:{round_id}", lambda: _ballot_categories(round_id)
    )


def _ballot_categories(round_id: int) -> list[tuple[BallotCategory, int]]:
    rows = db.session.execute(
        select(
            Category.id,
            Category.number,
            Category.slug,
            Category.official_name,
            func.count(BallotEntry.nomination_id),
        )
        .join(BallotEntry, BallotEntry.category_id == Category.id)
        .where(BallotEntry.round_id == round_id)
        .group_by(Category.id, Category.number, Category.slug, Category.official_name)
        .order_by(Category.number)
    ).all()
    return [
        (BallotCategory(id_, number, category_name(slug, official), official), count)
        for id_, number, slug, official, count in rows
    ]


@dataclass(frozen=True)
class BallotItem:
    """What the ballot shows of one nomination (plain values, so it can be cached)."""

    id: int
    title: str
    organisation: str
    country: str
    short_description: str


def ballot(round_id: int, category_id: int) -> list[BallotItem]:
    """The nominations on the ballot in one category: the most read page of the contest,
    cached (with Redis) until the stocktaking or a nomination changes."""
    return [
        BallotItem(**item)
        for item in cached(
            "catalogue", f"ballot:{round_id}:{category_id}", lambda: _ballot(round_id, category_id)
        )
    ]


def _ballot(round_id: int, category_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(
            Nomination.id,
            StocktakingEntry.title,
            StocktakingEntry.organisation,
            StocktakingEntry.country,
            Nomination.short_description,
        )
        .join(BallotEntry, BallotEntry.nomination_id == Nomination.id)
        .join(StocktakingEntry, StocktakingEntry.id == Nomination.entry_id)
        .where(BallotEntry.round_id == round_id, BallotEntry.category_id == category_id)
        .order_by(Nomination.id)
    )
    keys = ("id", "title", "organisation", "country", "short_description")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def votes_in_round(round_id: int, voter_id: int) -> list[Vote]:
    """A voter's votes in one round, by category number, with the projects' titles."""
    return list(
        db.session.scalars(
            select(Vote)
            .join(Vote.category)
            .where(Vote.round_id == round_id, Vote.voter_id == voter_id)
            .options(joinedload(Vote.category), _PROJECT_TITLE)
            .order_by(Category.number)
        )
    )


def list_votes_of(voter_id: int) -> list[Vote]:
    """All of a voter's votes, newest round first, for the "My votes" page."""
    return list(
        db.session.scalars(
            select(Vote)
            .join(Vote.category)
            .where(Vote.voter_id == voter_id)
            .options(
                joinedload(Vote.round),
                joinedload(Vote.category),
                _PROJECT_TITLE,
            )
            .order_by(Vote.round_id.desc(), Category.number)
        )
    )


def get_vote_by_receipt(code: str) -> Vote | None:
    return db.session.scalar(
        select(Vote)
        .where(Vote.receipt_code == code.strip().upper())
        .options(
            joinedload(Vote.round),
            joinedload(Vote.category),
            _PROJECT_TITLE,
        )
    )


def tally(voting_round: VotingRound) -> dict[int, dict[int, int]]:
    """Valid votes per category and nomination: {category_id: {nomination_id: votes}}.

    With the round's complete-ballot rule, only voters with a valid vote in every category
    on the ballot count. Cached (with Redis) until a vote is cast or invalidated; a
    finalised round answers with the counts stored when it was finalised.
    """
    stored = voting_round.final_counts if voting_round.finalised_at else None
    if stored is None:
        key = f"counts:complete={voting_round.requires_complete_ballot}"
        scope = f"tally:{voting_round.id}"
        stored = cached(scope, key, lambda: _count_votes(voting_round), ttl=600)
    return defaultdict(
        dict,
        {int(c): {int(n): votes for n, votes in row.items()} for c, row in stored.items()},
    )


def count_votes(voting_round: VotingRound) -> dict[str, dict[str, int]]:
    """The tally as the database counts it now, never from a cache (to store at the close)."""
    return _count_votes(voting_round)


def _count_votes(voting_round: VotingRound) -> dict[str, dict[str, int]]:
    query = (
        select(Vote.category_id, Vote.nomination_id, func.count())
        .where(Vote.round_id == voting_round.id, Vote.status == VoteStatus.VALID)
        .group_by(Vote.category_id, Vote.nomination_id)
    )
    if voting_round.requires_complete_ballot:
        categories = count_ballot_categories(voting_round.id)
        complete_voters = (
            select(Vote.voter_id)
            .where(Vote.round_id == voting_round.id, Vote.status == VoteStatus.VALID)
            .group_by(Vote.voter_id)
            .having(func.count() == categories)
        )
        query = query.where(Vote.voter_id.in_(complete_voters))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for category_id, nomination_id, votes in db.session.execute(query):
        counts[str(category_id)][str(nomination_id)] = votes
    return counts


def count_ballot_categories(round_id: int) -> int:
    distinct = func.count(func.distinct(BallotEntry.category_id))
    return db.session.scalar(select(distinct).where(BallotEntry.round_id == round_id)) or 0


@dataclass(frozen=True)
class RankedRow:
    nomination_id: int
    votes: int
    share: float  # of the category's valid votes, 0..1
    rank: int
    shortlisted: bool


def rank(counts: dict[int, int], nomination_ids: list[int], shortlist_size: int) -> list[RankedRow]:
    """Order one category by valid votes, with the tie rule of the contest.

    Standard competition ranking ("1224"): equal votes share a rank, and the next rank
    skips. Every nomination ranked within the shortlist size goes through, so all those
    tied at the cut-off are shortlisted together and none is dropped by chance or by the
    order of entry. Projects without a vote count too: when fewer than K have votes, they
    share the next rank and go through together. Rows tied on votes are listed by
    nomination id, a stable order that decides nothing.
    """
    total = sum(counts.values())
    ordered = sorted(nomination_ids, key=lambda nid: (-counts.get(nid, 0), nid))
    rows: list[RankedRow] = []
    for position, nomination_id in enumerate(ordered, start=1):
        votes = counts.get(nomination_id, 0)
        same_as_before = rows and rows[-1].votes == votes
        place = rows[-1].rank if same_as_before else position
        rows.append(
            RankedRow(
                nomination_id=nomination_id,
                votes=votes,
                share=votes / total if total else 0.0,
                rank=place,
                shortlisted=place <= shortlist_size,
            )
        )
    return rows


def ranking(voting_round: VotingRound) -> dict[int, list[RankedRow]]:
    """The ranking of every category on the ballot (nominations without votes included).
    A nomination the secretariat disqualified after its integrity review is not ranked
    (prizes.voting.integrity): it is never shortlisted, and the others rank without it."""
    counts = tally(voting_round)
    disqualified = select(IntegrityReview.nomination_id).where(
        IntegrityReview.round_id == voting_round.id,
        IntegrityReview.status == ReviewStatus.DISQUALIFIED,
    )
    on_ballot: dict[int, list[int]] = defaultdict(list)
    for category_id, nomination_id in db.session.execute(
        select(BallotEntry.category_id, BallotEntry.nomination_id).where(
            BallotEntry.round_id == voting_round.id,
            BallotEntry.nomination_id.not_in(disqualified),
        )
    ):
        on_ballot[category_id].append(nomination_id)
    return {
        category_id: rank(counts.get(category_id, {}), ids, voting_round.shortlist_size)
        for category_id, ids in on_ballot.items()
    }


def nominations_by_id(ids: list[int]) -> dict[int, Nomination]:
    """The nominations a results page names, with their entries, in one query."""
    if not ids:
        return {}
    rows = db.session.scalars(select(Nomination).where(Nomination.id.in_(ids)).options(_ENTRY_ONLY))
    return {nomination.id: nomination for nomination in rows}


@dataclass(frozen=True)
class RoundStats:
    valid: int
    invalidated: int
    voters: int


def round_stats(round_id: int) -> RoundStats:
    counts = dict(
        db.session.execute(
            select(Vote.status, func.count()).where(Vote.round_id == round_id).group_by(Vote.status)
        ).all()
    )
    voters = db.session.scalar(
        select(func.count(func.distinct(Vote.voter_id))).where(Vote.round_id == round_id)
    )
    return RoundStats(
        valid=counts.get(VoteStatus.VALID, 0),
        invalidated=counts.get(VoteStatus.INVALIDATED, 0),
        voters=voters or 0,
    )


def votes_by_reference(round_id: int, references: list[str]) -> list[Vote]:
    """Votes of the round named by receipt code or by number, as the secretariat types them."""
    codes = [ref.upper() for ref in references if not ref.isdigit()]
    numbers = [int(ref) for ref in references if ref.isdigit() and len(ref) < 19]
    if not codes and not numbers:
        return []
    return list(
        db.session.scalars(
            select(Vote).where(
                Vote.round_id == round_id,
                (Vote.receipt_code.in_(codes)) | (Vote.id.in_(numbers)),
            )
        )
    )


def list_flags(round_id: int) -> list[SuspicionFlag]:
    """The round's flags, open ones first, the largest first."""
    return list(
        db.session.scalars(
            select(SuspicionFlag)
            .where(SuspicionFlag.round_id == round_id)
            .order_by(
                (SuspicionFlag.status != FlagStatus.OPEN),
                SuspicionFlag.vote_count.desc(),
                SuspicionFlag.id,
            )
        )
    )


def ballot_category_ids(round_id: int) -> list[int]:
    """The ballot's category ids in order (cached with Redis: ballots do not change)."""
    return cached(
        "catalogue",
        f"ballot-categories:{round_id}",
        lambda: list(
            db.session.scalars(
                select(Category.id)
                .join(BallotEntry, BallotEntry.category_id == Category.id)
                .where(BallotEntry.round_id == round_id)
                .group_by(Category.id, Category.number)
                .order_by(Category.number)
            )
        ),
    )


def ballot_category_at(
    round_id: int | ColumnElement[int], offset: int | ColumnElement[int]
) -> ScalarSelect[int]:
    """The id of the category ``offset`` places from the start of the round's ballot, as a
    subquery, so that the vote's own statement resolves the guided ballot's address (NULL
    when out of range). Values or bound parameters."""
    on_ballot = select(BallotEntry.category_id).where(BallotEntry.round_id == round_id)
    return (
        select(Category.id)
        .where(Category.id.in_(on_ballot))
        .order_by(Category.number)
        .limit(1)
        .offset(offset)
        .scalar_subquery()
    )


def voted_category_ids(round_id: int, voter_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Vote.category_id).where(Vote.round_id == round_id, Vote.voter_id == voter_id)
        )
    )


# What only transparency knows, asked here and answered there (its init_app).
round_log_visible: Hook[[VotingRound], bool] = Hook("round_log_visible")
"""Whether this visitor may open the round's vote log and transparency report, so that the
results page links to them only then."""
