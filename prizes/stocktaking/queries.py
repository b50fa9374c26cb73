"""Named reads about stocktaking entries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.stocktaking.models import StocktakingEntry


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
