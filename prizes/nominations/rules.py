"""The contest's submission rules, as checks a nomination passes or fails.

The same checks refuse a submission and show the reviewer what passed, so the rules are
written once. Each check answers for one nomination; the queries are one per check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from prizes.contest.models import Edition
from prizes.core.text import count_words
from prizes.db import db
from prizes.nominations.models import Nomination, NominationStatus
from prizes.stocktaking.models import StocktakingEntry

SHORT_DESCRIPTION_WORDS = (150, 200)
# Statuses in which a nomination takes its organisation's one place in a category.
HOLDING_PLACE = tuple(
    s for s in NominationStatus if s not in (NominationStatus.DRAFT, NominationStatus.WITHDRAWN)
)


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    message: str


def category_matches(nomination: Nomination) -> Check:
    ok = nomination.category.action_line in nomination.entry.action_line_codes
    return Check(
        "category",
        ok,
        str(
            _l(
                "The category's action line (%(line)s) is one of the project's.",
                line=nomination.category.action_line.value,
            )
        )
        if ok
        else str(
            _l(
                "The project is not tagged with action line %(line)s, which this category needs.",
                line=nomination.category.action_line.value,
            )
        ),
    )


def organisation_once(nomination: Nomination) -> Check:
    """At most one nomination per organisation per category per edition."""
    other = db.session.scalar(
        select(func.count(Nomination.id)).where(
            Nomination.edition_id == nomination.edition_id,
            Nomination.category_id == nomination.category_id,
            Nomination.organisation_key == nomination.entry.organisation_key,
            Nomination.status.in_(HOLDING_PLACE),
            Nomination.id != nomination.id,
        )
    )
    ok = not other
    return Check(
        "organisation",
        ok,
        str(_l("No other nomination of this organisation in this category."))
        if ok
        else str(
            _l("This organisation already has a nomination in this category for this edition.")
        ),
    )


def not_a_past_winner(nomination: Nomination) -> Check:
    """Winners of earlier editions are not eligible: the same entry, or the same
    organisation with the same project title."""
    earlier = aliased(Edition)
    past_entry = aliased(StocktakingEntry)
    entry = nomination.entry
    won = db.session.scalar(
        select(
            exists()
            .where(Nomination.status == NominationStatus.WINNER)
            .where(Nomination.edition_id == earlier.id, earlier.year < nomination.edition.year)
            .where(Nomination.entry_id == past_entry.id)
            .where(
                or_(
                    past_entry.id == entry.id,
                    and_(
                        past_entry.organisation_key == entry.organisation_key,
                        func.lower(past_entry.title) == entry.title.lower(),
                    ),
                )
            )
        )
    )
    return Check(
        "past_winner",
        not won,
        str(_l("The project has not won in an earlier edition."))
        if not won
        else str(_l("The project won in an earlier edition, so it is not eligible again.")),
    )


def short_description_length(nomination: Nomination) -> Check:
    low, high = SHORT_DESCRIPTION_WORDS
    words = count_words(nomination.short_description)
    ok = low <= words <= high
    return Check(
        "short_description",
        ok,
        str(
            _l(
                "The short description has %(words)d words (%(low)d to %(high)d are asked).",
                words=words,
                low=low,
                high=high,
            )
        ),
    )


def complete(nomination: Nomination) -> Check:
    missing = [
        str(label)
        for label, value in (
            (_l("impact"), nomination.impact.strip()),
            (_l("partnerships"), nomination.partnerships.strip()),
            (_l("challenges and future"), nomination.challenges.strip()),
            (_l("project stage"), nomination.project_stage),
            (_l("link"), nomination.link),
            (_l("at least one SDG linkage"), nomination.sdg_links),
        )
        if not value
    ]
    return Check(
        "complete",
        not missing,
        str(_l("Every part of the form is filled in."))
        if not missing
        else str(_l("Missing: %(parts)s.", parts=", ".join(missing))),
    )


def submission_open(nomination: Nomination, now: datetime) -> Check:
    ok = nomination.edition.accepts_submissions(now)
    return Check(
        "deadline",
        ok,
        str(_l("Submissions are open."))
        if ok
        else str(_l("Submissions for this edition are closed.")),
    )


def automatic_checks(nomination: Nomination) -> list[Check]:
    """Every rule that does not depend on the time: what the reviewer sees."""
    return [
        category_matches(nomination),
        organisation_once(nomination),
        not_a_past_winner(nomination),
        short_description_length(nomination),
        complete(nomination),
    ]
