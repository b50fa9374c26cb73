"""Named reads for the expert group."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from prizes.contest.models import Category, Edition
from prizes.db import db
from prizes.review.models import ExpertAssignment


def list_assignments_of(expert_id: int) -> list[ExpertAssignment]:
    return list(
        db.session.scalars(
            select(ExpertAssignment)
            .join(ExpertAssignment.edition)
            .join(ExpertAssignment.category)
            .where(ExpertAssignment.expert_id == expert_id)
            .options(joinedload(ExpertAssignment.category), joinedload(ExpertAssignment.edition))
            .order_by(Edition.year.desc(), Category.number)
        )
    )
