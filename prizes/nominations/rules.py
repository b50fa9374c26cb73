"""The contest's submission rules, as checks a nomination passes or fails.

The same checks refuse a submission and show the reviewer what passed, so the rules are
written once. They run over a list of nominations with two queries in all, so a review
queue of any length costs the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from prizes.contest.models import Edition
from prizes.core.text import count_words, same_organisation
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


def automatic_checks(nomination: Nomination) -> list[Check]:
    """Every rule that does not depend on the time, for one nomination."""
    return checks_for([nomination])[nomination.id]


def checks_for(nominations: Sequence[Nomination]) -> dict[int, list[Check]]:
    """The automatic checks of each nomination, by id (what the review queue shows)."""
    conflicts = _organisation_conflicts(nominations)
    winners = _past_winners(nominations)
    return {
        n.id: [
            category_matches(n),
            _organisation_check(n.id not in conflicts),
            _winner_check(n.id not in winners),
            short_description_length(n),
            complete(n),
        ]
        for n in nominations
    }


def not_a_past_winner(nomination: Nomination) -> Check:
    return _winner_check(nomination.id not in _past_winners([nomination]))


def category_matches(nomination: Nomination) -> Check:
    line = nomination.category.action_line.value
    if nomination.category.action_line in nomination.entry.action_line_codes:
        return Check(
            "category",
            True,
            str(_l("The category's action line (%(line)s) is one of the project's.", line=line)),
        )
    return Check(
        "category",
        False,
        str(
            _l(
                "The project is not tagged with action line %(line)s, which this category needs.",
                line=line,
            )
        ),
    )


def short_description_length(nomination: Nomination) -> Check:
    low, high = SHORT_DESCRIPTION_WORDS
    words = count_words(nomination.short_description)
    message = _l(
        "The short description has %(words)d words (%(low)d to %(high)d are asked).",
        words=words,
        low=low,
        high=high,
    )
    return Check("short_description", low <= words <= high, str(message))


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
    if not missing:
        return Check("complete", True, str(_l("Every part of the form is filled in.")))
    return Check("complete", False, str(_l("Missing: %(parts)s.", parts=", ".join(missing))))


def _organisation_check(passed: bool) -> Check:
    if passed:
        return Check(
            "organisation",
            True,
            str(_l("No other nomination of this organisation in this category.")),
        )
    return Check(
        "organisation",
        False,
        str(_l("This organisation already has a nomination in this category for this edition.")),
    )


def _winner_check(passed: bool) -> Check:
    if passed:
        return Check("past_winner", True, str(_l("The project has not won in an earlier edition.")))
    return Check(
        "past_winner",
        False,
        str(_l("The project won in an earlier edition, so it is not eligible again.")),
    )


def _organisation_conflicts(nominations: Sequence[Nomination]) -> set[int]:
    """Ids of nominations whose organisation already holds the place in their category:
    at most one nomination per organisation per category per edition."""
    keys = {n.entry.organisation_key for n in nominations} - {None}
    if not keys:
        return set()
    holders = db.session.execute(
        select(
            Nomination.id,
            Nomination.edition_id,
            Nomination.category_id,
            Nomination.organisation_key,
        ).where(
            Nomination.edition_id.in_({n.edition_id for n in nominations}),
            Nomination.organisation_key.in_(keys),
            Nomination.status.in_(HOLDING_PLACE),
        )
    ).all()
    places: dict[tuple[int, int, str | None], set[int]] = {}
    for holder_id, edition_id, category_id, key in holders:
        places.setdefault((edition_id, category_id, key), set()).add(holder_id)
    return {
        n.id
        for n in nominations
        if places.get((n.edition_id, n.category_id, n.entry.organisation_key), set()) - {n.id}
    }


def _past_winners(nominations: Sequence[Nomination]) -> set[int]:
    """Ids of nominations whose project won an earlier edition: the same entry, or the same
    organisation with the same title (a winner entered again as a new entry)."""
    if not nominations:
        return set()
    winners = db.session.execute(
        select(
            StocktakingEntry.id,
            StocktakingEntry.organisation_key,
            func.lower(StocktakingEntry.title),
            Edition.year,
        )
        .join(Nomination, Nomination.entry_id == StocktakingEntry.id)
        .join(Edition, Edition.id == Nomination.edition_id)
        .where(
            Nomination.status == NominationStatus.WINNER,
            or_(
                StocktakingEntry.id.in_({n.entry_id for n in nominations}),
                StocktakingEntry.organisation_key.in_(
                    {n.entry.organisation_key for n in nominations} - {None}
                ),
            ),
        )
    ).all()
    found = set()
    for n in nominations:
        title = n.entry.title.lower()
        for entry_id, key, won_title, year in winners:
            same_project = entry_id == n.entry_id or (
                same_organisation(key, n.entry.organisation_key) and won_title == title
            )
            if same_project and year < n.edition.year:
                found.add(n.id)
    return found


# --- whether a project may be nominated now, before any form is written -------------------

ALREADY_NOMINATED = _l("This project is already nominated in this edition.")
PAST_WINNER = _l("The project won in an earlier edition, so it is not eligible again.")


def held_in(edition: Edition) -> ColumnElement[bool]:
    """True for a stocktaking entry that a nomination of ``edition`` holds (a draft holds
    nothing): the project is nominated there already."""
    return exists().where(
        Nomination.entry_id == StocktakingEntry.id,
        Nomination.edition_id == edition.id,
        Nomination.status.in_(HOLDING_PLACE),
    )


def won_before(edition: Edition) -> ColumnElement[bool]:
    """True for a stocktaking entry whose project won an edition before ``edition``: the
    same entry, or the same organisation with the same title (as ``_past_winners``)."""
    won = aliased(StocktakingEntry)
    return exists(
        select(Nomination.id)
        .join(won, won.id == Nomination.entry_id)
        .join(Edition, Edition.id == Nomination.edition_id)
        .where(
            Nomination.status == NominationStatus.WINNER,
            Edition.year < edition.year,
            or_(
                won.id == StocktakingEntry.id,
                and_(
                    won.organisation_key.is_not(None),
                    won.organisation_key == StocktakingEntry.organisation_key,
                    func.lower(won.title) == func.lower(StocktakingEntry.title),
                ),
            ),
        )
    )


def nominable_in(edition: Edition) -> ColumnElement[bool]:
    """The condition on stocktaking entries that ``edition`` may still take a nomination
    of: neither nominated there already nor a past winner (one query for a whole list)."""
    return and_(not_(held_in(edition)), not_(won_before(edition)))


def why_not_nominable(entry: StocktakingEntry, edition: Edition) -> str | None:
    """Why ``entry`` cannot be nominated in ``edition`` (one query), or None if it can."""
    held, won = db.session.execute(
        select(held_in(edition), won_before(edition)).where(StocktakingEntry.id == entry.id)
    ).one()
    if held:
        return str(ALREADY_NOMINATED)
    if won:
        return str(PAST_WINNER)
    return None
