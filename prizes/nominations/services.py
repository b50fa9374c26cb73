"""Nomination use cases: draft, edit, submit, withdraw, and the review decision.

Each checks its rule, changes the nomination, flushes, audits and returns; it raises a
:class:`~prizes.core.errors.DomainError` with a message for the nominator otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import acts_as
from prizes.contest import timeline
from prizes.contest.models import Category, Edition
from prizes.core import audit, mail
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError, NotAllowed
from prizes.core.hooks import Hook
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations import rules
from prizes.nominations.fields import NominationFields
from prizes.nominations.models import (
    Nomination,
    NominationSdgLink,
    NominationStatus,
)
from prizes.stocktaking.models import EntryStatus, StocktakingEntry


class SubmissionClosed(DomainError):
    message = _l("The submission deadline has passed: the nomination can no longer be changed.")


class CategoryMismatch(DomainError):
    message = _l("The project is not tagged with this category's action line.")


class AlreadyNominated(DomainError):
    status_code = 409
    message = _l("This project is already nominated in this edition.")


class OrganisationAlreadyNominated(DomainError):
    status_code = 409
    message = _l("This organisation already has a nomination in this category for this edition.")


class SubmitterAlreadyNominated(DomainError):
    status_code = 409
    message = _l(
        "Your organisation has already submitted a project in this category for this edition: "
        "each entity may submit one project per category."
    )


class NotEligible(DomainError):
    status_code = 404
    message = _l("This project is not published in the stocktaking.")


class PastWinner(DomainError):
    message = _l("The project won in an earlier edition, so it is not eligible again.")


class NotEditable(DomainError):
    status_code = 409
    message = _l("This nomination can no longer be changed.")


class Incomplete(DomainError):
    def __init__(self, failures: list[rules.Check]) -> None:
        super().__init__(" ".join(check.message for check in failures))
        self.failures = failures


class ReasonRequired(DomainError):
    message = _l("Please give the reason; the nominator will read it.")


def start_nomination(
    entry: StocktakingEntry, *, edition: Edition, category: Category, by: User, now: datetime
) -> Nomination:
    """Create a draft nomination of ``entry`` (the nominator need not own it).

    The nominator's own earlier draft of the entry is reused. Drafts hold no place, so a
    draft never keeps anyone else from nominating the project. Side effects: a nomination
    row, an audit event.
    """
    if entry.status != EntryStatus.PUBLISHED:
        raise NotEligible()
    if not edition.accepts_submissions(now):
        raise SubmissionClosed()
    if category.action_line not in entry.action_line_codes:
        raise CategoryMismatch()
    others = list(
        db.session.scalars(
            select(Nomination).where(
                Nomination.edition_id == edition.id, Nomination.entry_id == entry.id
            )
        )
    )
    if any(n.status in rules.HOLDING_PLACE for n in others):
        raise AlreadyNominated()
    own_draft = next(
        (n for n in others if n.status == NominationStatus.DRAFT and n.nominator_id == by.id), None
    )
    if own_draft is not None:
        own_draft.category = category
        return own_draft
    nomination = Nomination(
        edition=edition,
        category=category,
        entry=entry,
        nominator_id=by.id,
        organisation_key=entry.organisation_key,
        submitter_key=submitter_key(by),
        created_at=now,
    )
    db.session.add(nomination)
    db.session.flush()
    if not rules.not_a_past_winner(nomination).passed:
        raise PastWinner()
    audit.record(db.session, "nomination.started", actor=by, target=nomination)
    return nomination


def update_nomination(
    nomination: Nomination, fields: NominationFields, *, by: User, now: datetime
) -> None:
    """Save the nominator's changes; a submitted nomination must still pass every rule."""
    _check_editable(nomination, by, now)
    if fields.category.action_line not in nomination.entry.action_line_codes:
        raise CategoryMismatch()
    nomination.category = fields.category
    nomination.short_description = fields.short_description.strip()
    nomination.impact = fields.impact.strip()
    nomination.partnerships = fields.partnerships.strip()
    nomination.challenges = fields.challenges.strip()
    nomination.project_stage = fields.project_stage
    nomination.link = fields.link or None
    nomination.updated_at = now
    links = {link.sdg: link for link in nomination.sdg_links}
    nomination.sdg_links = [
        _linkage(links.get(sdg), sdg, text) for sdg, text in sorted(fields.sdg_linkages.items())
    ]
    if nomination.status == NominationStatus.SUBMITTED:
        nomination.organisation_key = nomination.entry.organisation_key
        nomination.submitter_key = submitter_key(by)
        _require_submitter_place(nomination)
        _flush_place(nomination)  # before the rule checks' queries flush it unguarded
        _require_rules(nomination)
    bump_after_commit(db.session, "catalogue")
    audit.record(db.session, "nomination.updated", actor=by, target=nomination)


def _linkage(existing: NominationSdgLink | None, sdg: int, text: str) -> NominationSdgLink:
    if existing is None:
        return NominationSdgLink(sdg=sdg, linkage=text.strip())
    existing.linkage = text.strip()
    return existing


def submit_nomination(nomination: Nomination, *, by: User, now: datetime) -> None:
    """Submit for review. Side effects: status and time, an audit event."""
    _check_editable(nomination, by, now)
    _require_rules(nomination)
    nomination.submitter_key = submitter_key(by)
    _require_submitter_place(nomination)
    nomination.status = NominationStatus.SUBMITTED
    nomination.status_reason = None
    nomination.submitted_at = now
    nomination.organisation_key = nomination.entry.organisation_key
    _flush_place(nomination)
    audit.record(db.session, "nomination.submitted", actor=by, target=nomination)


def withdraw_nomination(nomination: Nomination, *, by: User, now: datetime) -> None:
    """The nominator takes the nomination back, freeing the organisation's place."""
    _check_editable(nomination, by, now)
    nomination.status = NominationStatus.WITHDRAWN
    nomination.status_reason = None
    bump_after_commit(db.session, "catalogue")
    audit.record(db.session, "nomination.withdrawn", actor=by, target=nomination)


def _check_editable(nomination: Nomination, by: User, now: datetime) -> None:
    if by.id != nomination.nominator_id:
        raise NotAllowed()
    if not nomination.edition.accepts_submissions(now):
        raise SubmissionClosed()
    if not nomination.can_edit(by, now):
        raise NotEditable()


def _require_rules(nomination: Nomination) -> None:
    failures = [check for check in rules.automatic_checks(nomination) if not check.passed]
    if failures:
        raise Incomplete(failures)


def submitter_key(user: User) -> str:
    """The submitting entity of a nomination: the nominator's organisation, compared by its
    normalised key; a nominator whose profile names no organisation is an entity alone."""
    return user.organisation_key or f"user:{user.id}"


def _require_submitter_place(nomination: Nomination) -> None:
    """One project per category per submitting entity, said clearly before the flush (the
    unique index still settles a race)."""
    with db.session.no_autoflush:
        category_id = nomination.category.id if nomination.category else nomination.category_id
        holder = db.session.scalar(
            select(Nomination.id).where(
                Nomination.edition_id == nomination.edition_id,
                Nomination.category_id == category_id,
                Nomination.submitter_key == nomination.submitter_key,
                Nomination.status.in_(rules.HOLDING_PLACE),
                Nomination.id != nomination.id,
            )
        )
    if holder is not None:
        raise SubmitterAlreadyNominated()


def _flush_place(nomination: Nomination) -> None:
    """Flush; the database's unique indexes settle a race for the entry's, the
    organisation's or the submitting entity's place."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        if "submitter" in str(error.orig):
            raise SubmitterAlreadyNominated() from error
        if "one_per_entry" in str(error.orig) or "entry_id" in str(error.orig):
            raise AlreadyNominated() from error
        raise OrganisationAlreadyNominated() from error


# --- the review that makes the nominated list ---------------------------------------------

REVIEW_OUTCOMES = {
    NominationStatus.NOMINATED: "nomination.nominated",
    NominationStatus.REJECTED: "nomination.rejected",
    NominationStatus.RETURNED: "nomination.returned",
}


class ReturnAfterDeadline(DomainError):
    message = _l(
        "After the submission deadline a nomination can only be nominated or rejected: "
        "the nominator could not change it any more."
    )


# What only review knows, asked here and answered there (review/services.py's init_app).
expert_is_assigned: Hook[[User, Nomination], bool] = Hook("expert_is_assigned")
"""Whether the expert is assigned to the nomination's category in its edition."""
declared_conflict: Hook[[User, Nomination], bool] = Hook("declared_conflict")
"""Whether the expert declared a conflict of interest with the nomination."""
integrity_decisions: Hook[[Nomination], list[Any]] = Hook(
    "integrity_decisions", default=lambda nomination: []
)
"""The integrity reviews decided about the nomination, oldest round first (voting's
integrity module answers; its nominator reads them on the nomination's page)."""


def can_review(user: User, nomination: Nomination) -> bool:
    """The secretariat reviews every category; an expert only the ones assigned to them.

    Nobody decides on a nomination they made or declared a conflict of interest with.
    """
    if user.id == nomination.nominator_id or declared_conflict(user, nomination):
        return False
    if acts_as(user, Role.SECRETARIAT):
        return True
    return acts_as(user, Role.EXPERT) and expert_is_assigned(user, nomination)


def review_nomination(
    nomination: Nomination,
    *,
    outcome: NominationStatus,
    reason: str | None,
    by: User,
    now: datetime,
) -> None:
    """Nominate, reject (with a reason) or return for changes (with a comment).

    Side effects: status and reason, an audit event, a mail to the nominator.
    """
    if not can_review(by, nomination):
        raise NotAllowed()
    if outcome not in REVIEW_OUTCOMES:
        raise DomainError(str(_l("Unknown decision.")))
    if nomination.edition.nominated_list_announced_at is not None:
        raise NotEditable(
            str(_l("The nominated list of this edition is announced: its review is closed."))
        )
    if nomination.status != NominationStatus.SUBMITTED:
        raise NotEditable(str(_l("Only submitted nominations are reviewed.")))
    reason = (reason or "").strip() or None
    if outcome != NominationStatus.NOMINATED and not reason:
        raise ReasonRequired()
    if outcome == NominationStatus.RETURNED and not nomination.edition.accepts_submissions(now):
        raise ReturnAfterDeadline()
    nomination.status = outcome
    nomination.status_reason = reason
    nomination.updated_at = now
    bump_after_commit(db.session, "catalogue")
    audit.record(db.session, REVIEW_OUTCOMES[outcome], actor=by, target=nomination, reason=reason)
    mail.queue(
        db.session,
        to=nomination.nominator.email,
        language=nomination.nominator.language,
        subject=_l("Your WSIS Prizes nomination: %(title)s", title=nomination.entry.title[:80]),
        template="nomination_reviewed",
        nomination=nomination,
        outcome=outcome.value,
        reason=reason,
        url=external_url("nominations.detail", nomination_id=nomination.id),
    )


# --- the announcement of the nominated list -----------------------------------------------


def nominated_list_blockers(
    edition: Edition, *, now: datetime, reason: str | None = None
) -> list[str]:
    """What the announcement of the nominated list still needs, in the contest's words:
    submissions closed, every submission decided, a project nominated, and the end of the
    review (or a reason to announce early). Empty when it may be announced."""
    if edition.nominated_list_announced_at is not None:
        return [str(_l("The nominated list of this edition is already announced."))]
    missing = []
    if now < edition.submission_closes_at:
        missing.append(
            str(
                _l(
                    "Submissions are open until %(deadline)s.",
                    deadline=timeline.when(edition.submission_closes_at),
                )
            )
        )
    counts = dict(
        db.session.execute(
            select(Nomination.status, func.count())
            .where(
                Nomination.edition_id == edition.id,
                Nomination.status.in_((NominationStatus.SUBMITTED, NominationStatus.NOMINATED)),
            )
            .group_by(Nomination.status)
        ).all()
    )
    waiting = counts.get(NominationStatus.SUBMITTED, 0)
    if waiting:
        missing.append(
            str(
                _l(
                    "%(count)d submitted nominations still wait for the review's decision.",
                    count=waiting,
                )
            )
        )
    if not counts.get(NominationStatus.NOMINATED):
        missing.append(str(_l("No project is nominated yet.")))
    missing += timeline.early_needs_reason(
        due=edition.review_closes_at,
        now=now,
        reason=reason,
        what=str(_l("The announcement of the nominated list")),
    )
    return missing


def announce_nominated_list(
    edition: Edition, *, by: User, now: datetime, reason: str | None = None
) -> int:
    """Make the nominated list public, for every category at once; returns how many
    projects it holds. Before the end of the review only with a reason (an override).
    Side effects: the edition's announcement time, an override when early, an audit event,
    the public catalogue's cache."""
    timeline.refuse_if(nominated_list_blockers(edition, now=now, reason=reason))
    timeline.override_if_early(
        edition,
        step=timeline.Step.ANNOUNCE_NOMINATED_LIST,
        due=edition.review_closes_at,
        now=now,
        reason=reason,
        by=by,
    )
    edition.nominated_list_announced_at = now
    count = db.session.scalar(
        select(func.count()).where(
            Nomination.edition_id == edition.id,
            Nomination.status == NominationStatus.NOMINATED,
        )
    )
    db.session.flush()
    bump_after_commit(db.session, "catalogue")
    audit.record(db.session, "nominated_list.announced", actor=by, target=edition, count=count)
    return int(count or 0)
