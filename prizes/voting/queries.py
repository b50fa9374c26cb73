"""Named reads about rounds and votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from prizes.contest.models import Category
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.voting.models import Vote, VotingRound


def list_rounds(edition_id: int) -> list[VotingRound]:
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.edition_id == edition_id)
            .order_by(VotingRound.number)
        )
    )


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


def list_votes_of(voter_id: int) -> list[Vote]:
    """A voter's votes, newest round first, with what the "My votes" page shows."""
    return list(
        db.session.scalars(
            select(Vote)
            .join(Vote.category)
            .where(Vote.voter_id == voter_id)
            .options(
                joinedload(Vote.round),
                joinedload(Vote.category),
                joinedload(Vote.nomination).joinedload(Nomination.entry),
            )
            .order_by(Vote.round_id.desc(), Category.number)
        )
    )
