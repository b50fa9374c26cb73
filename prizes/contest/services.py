"""Setting up an edition: its dated phases and rules, with the published rubric as default."""

from __future__ import annotations

from datetime import datetime

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts.models import User
from prizes.contest import timeline
from prizes.contest.fields import EditionFields
from prizes.contest.models import Edition
from prizes.core import audit
from prizes.core.clock import geneva_deadline
from prizes.core.errors import DomainError
from prizes.db import db

edition_created = Namespace().signal("edition-created")
"""Sent with each new edition, inside its transaction, so that the packages above contest
add what an edition starts with (review: the default rubric) without contest knowing them."""


class EditionRefused(DomainError):
    status_code = 422


def _apply(edition: Edition, fields: EditionFields) -> None:
    if not (
        fields.submission_opens
        < fields.submission_closes
        <= fields.review_closes
        <= fields.selection_closes
    ):
        raise EditionRefused(
            str(_l("The phases must follow each other: submission, review, selection."))
        )
    if fields.score_min >= fields.score_max:
        raise EditionRefused(str(_l("The lowest score must be below the highest.")))
    edition.year = fields.year
    edition.title = fields.title.strip()
    edition.submission_opens_at = geneva_deadline(fields.submission_opens)
    edition.submission_closes_at = geneva_deadline(fields.submission_closes)
    edition.review_closes_at = geneva_deadline(fields.review_closes)
    edition.selection_closes_at = geneva_deadline(fields.selection_closes)
    edition.shortlist_size = fields.shortlist_size
    edition.score_min, edition.score_max = fields.score_min, fields.score_max
    if not 1 <= fields.integrity_threshold_percent <= 100:
        raise EditionRefused(str(_l("The integrity threshold is a share from 1 to 100 per cent.")))
    if not 0 <= fields.dispute_window_days <= 365:
        raise EditionRefused(str(_l("The dispute window is from 0 to 365 days.")))
    edition.integrity_threshold_percent = fields.integrity_threshold_percent
    edition.dispute_window_days = fields.dispute_window_days


def create_edition(fields: EditionFields, *, by: User, now: datetime) -> Edition:
    """A new edition with the published criteria as its rubric. Side effects: audit."""
    if db.session.scalar(select(Edition.id).where(Edition.year == fields.year)):
        raise EditionRefused(str(_l("There is already an edition for %(year)d.", year=fields.year)))
    edition = Edition(created_at=now)
    _apply(edition, fields)
    db.session.add(edition)
    db.session.flush()
    edition_created.send(edition)
    db.session.flush()
    audit.record(db.session, "edition.created", actor=by, target=edition, year=edition.year)
    return edition


_DATES = {
    "submission_opens_at": _l("the opening of submissions"),
    "submission_closes_at": _l("the submission deadline"),
    "review_closes_at": _l("the end of the review"),
    "selection_closes_at": _l("the end of the selection"),
}


def update_edition(
    edition: Edition,
    fields: EditionFields,
    *,
    by: User,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Save the edition's settings. Planning dates still ahead is free; moving a date that
    has come, or to a moment already past, is an override: it needs a reason and shows on
    the timeline. Submissions never reopen once the nominated list is announced. Side
    effects: audit, one override per moved date."""
    if edition.results_published_at is not None:
        raise EditionRefused(
            str(_l("The results of this edition are published; it can no longer change."))
        )
    clash = db.session.scalar(
        select(Edition.id).where(Edition.year == fields.year, Edition.id != edition.id)
    )
    if clash:
        raise EditionRefused(str(_l("There is already an edition for %(year)d.", year=fields.year)))
    wanted = {
        "submission_opens_at": geneva_deadline(fields.submission_opens),
        "submission_closes_at": geneva_deadline(fields.submission_closes),
        "review_closes_at": geneva_deadline(fields.review_closes),
        "selection_closes_at": geneva_deadline(fields.selection_closes),
    }
    moved = {
        name: (getattr(edition, name), new)
        for name, new in wanted.items()
        if getattr(edition, name) is not None and getattr(edition, name) != new
    }
    past = [name for name, (old, new) in moved.items() if min(old, new) <= now]
    missing = []
    if (
        edition.nominated_list_announced_at is not None
        and "submission_closes_at" in moved
        and wanted["submission_closes_at"] > now
    ):
        missing.append(str(_l("The nominated list is announced: submissions cannot open again.")))
    if past and not (reason or "").strip():
        missing.append(
            str(
                _l(
                    "Moving %(dates)s changes what has already happened: give the reason "
                    "for the override.",
                    dates=", ".join(str(_DATES[name]) for name in past),
                )
            )
        )
    timeline.refuse_if(missing)
    _apply(edition, fields)
    db.session.flush()
    for name in past:
        old, new = moved[name]
        timeline.record_override(
            edition,
            step=timeline.Step.MOVE_DATE,
            due=old,
            reason=reason or "",
            by=by,
            now=now,
            date=name,
            moved_to=new.isoformat(),
        )
    audit.record(db.session, "edition.updated", actor=by, target=edition)
