"""Named reads of the disputes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from prizes.db import db
from prizes.disputes.models import Dispute, DisputeState


def get_dispute(dispute_id: int) -> Dispute | None:
    return db.session.get(Dispute, dispute_id)


def disputes_of(user_id: int) -> list[Dispute]:
    """A person's own disputes, newest first ("My disputes")."""
    return list(
        db.session.scalars(
            select(Dispute).where(Dispute.opened_by_id == user_id).order_by(Dispute.id.desc())
        )
    )


def all_disputes(state: DisputeState | None = None) -> list[Dispute]:
    """Every dispute for the secretariat, those waiting on it first, oldest first."""
    query = select(Dispute).order_by(
        (Dispute.state.not_in((DisputeState.OPEN, DisputeState.ANSWERED))), Dispute.id
    )
    if state is not None:
        query = query.where(Dispute.state == state)
    return list(db.session.scalars(query))


def referred_disputes() -> list[Dispute]:
    """The disputes referred to the expert group and not answered yet, with their opinions."""
    return list(
        db.session.scalars(
            select(Dispute)
            .where(Dispute.state == DisputeState.REFERRED)
            .options(selectinload(Dispute.opinions))
            .order_by(Dispute.referred_at, Dispute.id)
        )
    )


def round_outcomes(round_id: int) -> list[Dispute]:
    """The disputes of a round, for its transparency report (which shows only their
    subject kind, state, outcome and days)."""
    return list(
        db.session.scalars(select(Dispute).where(Dispute.round_id == round_id).order_by(Dispute.id))
    )
