"""Named reads about editions and categories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from prizes.contest.models import Category, Edition
from prizes.core.hooks import Hook
from prizes.db import db


class Scheduled(Protocol):
    """What the home page asks of a voting round: when it runs."""

    @property
    def title(self) -> str: ...

    @property
    def opens_at(self) -> datetime: ...

    @property
    def closes_at(self) -> datetime: ...

    def is_open(self, moment: datetime) -> bool: ...


edition_rounds: Hook[[int], Sequence[Scheduled]] = Hook("edition_rounds")
"""The edition's voting rounds in order, for its timeline (voting answers it)."""


def list_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.number)))


def get_current_edition(moment: datetime) -> Edition | None:
    """The edition in progress at ``moment``: the earliest one not yet past selection,
    else the most recent one."""
    running = db.session.scalar(
        select(Edition)
        .where(Edition.selection_closes_at > moment)
        .order_by(Edition.submission_opens_at)
        .limit(1)
    )
    if running is not None:
        return running
    return db.session.scalar(select(Edition).order_by(Edition.year.desc()).limit(1))


def get_edition_open_for_submissions(moment: datetime) -> Edition | None:
    return db.session.scalar(
        select(Edition)
        .where(Edition.submission_opens_at <= moment, Edition.submission_closes_at > moment)
        .order_by(Edition.submission_closes_at)
        .limit(1)
    )


def get_category(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def get_edition_under_review(moment: datetime) -> Edition | None:
    """The edition whose submissions are being reviewed (open, or before its review closes);
    else the current one."""
    reviewing = db.session.scalar(
        select(Edition)
        .where(Edition.submission_opens_at <= moment, Edition.review_closes_at > moment)
        .order_by(Edition.review_closes_at)
        .limit(1)
    )
    return reviewing or get_current_edition(moment)
