"""The secretariat's console: where an edition stands and what moves it on next (its
figures are in :mod:`prizes.admin.figures`).

The next step and what it still needs come from the services that take the steps (their
``*_blockers`` lists and refusals): nothing here repeats a rule of the timeline, it only
asks them in the contest's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts.models import User
from prizes.contest import timeline
from prizes.contest.models import Edition, Phase
from prizes.core.errors import DomainError
from prizes.db import db
from prizes.nominations import services as nominations
from prizes.review import champions, decisions
from prizes.review.models import (
    ReviewStage,
)
from prizes.voting import integrity, rounds
from prizes.voting.models import VotingRound

# --- the phase and the next step ------------------------------------------------------------


class StepKind(StrEnum):
    """What moves an edition on next; the ones with a button take a service's step."""

    WAIT_SUBMISSIONS = "wait_submissions"  # nothing to do before submissions open
    ANNOUNCE_NOMINATED_LIST = "announce_nominated_list"
    OPEN_ROUND = "open_round"  # a form of its own (dates): a link, no button
    WAIT_ROUND = "wait_round"  # the round is set up and opens later
    CLOSE_ROUND = "close_round"
    ADVANCE_ROUND = "advance_round"
    ANNOUNCE_CHAMPIONS = "announce_champions"
    PUBLISH_RESULTS = "publish_results"
    DONE = "done"


ACTIONS = frozenset(
    {
        StepKind.ANNOUNCE_NOMINATED_LIST,
        StepKind.CLOSE_ROUND,
        StepKind.ADVANCE_ROUND,
        StepKind.ANNOUNCE_CHAMPIONS,
        StepKind.PUBLISH_RESULTS,
    }
)

STEP_BUTTONS = {
    StepKind.ANNOUNCE_NOMINATED_LIST: _l("Announce the nominated list of every category"),
    StepKind.CLOSE_ROUND: _l("Close this round now"),
    StepKind.ADVANCE_ROUND: _l("Advance the round"),
    StepKind.ANNOUNCE_CHAMPIONS: _l("Announce the champions"),
    StepKind.PUBLISH_RESULTS: _l("Publish the winners"),
}

STAGE_LABELS = {
    ReviewStage.NOMINATION: _l("the submissions (stage 1, the nominated list)"),
    ReviewStage.SELECTION: _l("the shortlist (stage 2, winners and champions)"),
}

PHASE_LABELS = {
    Phase.UPCOMING: _l("Not open yet"),
    Phase.SUBMISSION: _l("Submission"),
    Phase.REVIEW: _l("Review and nominated list"),
    Phase.VOTING: _l("Online voting"),
    Phase.SELECTION: _l("Selection"),
    Phase.ANNOUNCED: _l("Results published"),
}


@dataclass(frozen=True)
class NextStep:
    """The step that moves the edition on, why it waits, and what it still needs."""

    kind: StepKind
    title: str
    missing: list[str] = field(default_factory=list)
    voting_round: VotingRound | None = None
    # Taken before its date, the step is an override and asks for a reason.
    needs_reason: bool = False
    # Closing a round early always asks for one.
    reason_required: bool = False

    @property
    def has_action(self) -> bool:
        return self.kind in ACTIONS


@dataclass(frozen=True)
class Standing:
    """Where an edition stands at a moment: its rounds, its phase, its next step."""

    edition: Edition
    phase: Phase
    rounds: list[VotingRound]
    focus_round: VotingRound | None  # the open round, or else the latest one
    next_step: NextStep

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS[self.phase])

    @property
    def stage(self) -> ReviewStage:
        """The review stage the experts score now: the submissions (stage 1) until a round
        has made its shortlist, then the shortlist (stage 2)."""
        if any(r.finalised_at is not None for r in self.rounds):
            return ReviewStage.SELECTION
        return ReviewStage.NOMINATION


def _rounds_of(edition: Edition) -> list[VotingRound]:
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.edition_id == edition.id)
            .order_by(VotingRound.number)
        )
    )


def standing(edition: Edition, *, now: datetime) -> Standing:
    """The edition's phase and next step at ``now`` (its rounds read once)."""
    edition_rounds = _rounds_of(edition)
    open_round = next((r for r in edition_rounds if r.is_open(now)), None)
    focus = open_round or (edition_rounds[-1] if edition_rounds else None)
    return Standing(
        edition=edition,
        phase=edition.phase(now, voting_open=open_round is not None),
        rounds=edition_rounds,
        focus_round=focus,
        next_step=_next_step(edition, edition_rounds, now),
    )


def _next_step(edition: Edition, edition_rounds: list[VotingRound], now: datetime) -> NextStep:
    """The contest's order: the nominated list, the rounds, the champions, the winners."""
    if edition.results_published_at is not None:
        return NextStep(
            StepKind.DONE,
            str(
                _l(
                    "Nothing more: the results were published on %(moment)s.",
                    moment=timeline.when(edition.results_published_at),
                )
            ),
        )
    if now < edition.submission_opens_at:
        return NextStep(
            StepKind.WAIT_SUBMISSIONS,
            str(
                _l(
                    "Wait for the submissions: they open on %(moment)s.",
                    moment=timeline.when(edition.submission_opens_at),
                )
            ),
        )
    if edition.nominated_list_announced_at is None:
        return NextStep(
            StepKind.ANNOUNCE_NOMINATED_LIST,
            str(_l("Announce the nominated list")),
            # The reason is asked in the form; the list says what else is missing.
            missing=nominations.nominated_list_blockers(edition, now=now, reason="-"),
            needs_reason=now < edition.review_closes_at,
        )
    last = edition_rounds[-1] if edition_rounds else None
    if edition.champions_announced_at is None and (last is None or last.finalised_at is None):
        return _round_step(edition, last, now)
    if edition.champions_announced_at is None:
        return NextStep(
            StepKind.ANNOUNCE_CHAMPIONS,
            str(_l("Announce the champions")),
            missing=champions.champions_blockers(edition),
        )
    return NextStep(
        StepKind.PUBLISH_RESULTS,
        str(_l("Publish the results")),
        missing=decisions.publish_blockers(edition, now=now, reason="-"),
        needs_reason=now < edition.selection_closes_at,
    )


def _round_step(edition: Edition, last: VotingRound | None, now: datetime) -> NextStep:
    if last is None:
        return NextStep(StepKind.OPEN_ROUND, str(_l("Set up the first voting round")))
    if now < last.opens_at:
        return NextStep(
            StepKind.WAIT_ROUND,
            str(
                _l(
                    "Wait for round %(number)d: it opens on %(moment)s.",
                    number=last.number,
                    moment=timeline.when(last.opens_at),
                )
            ),
            voting_round=last,
        )
    if last.is_open(now):
        return NextStep(
            StepKind.CLOSE_ROUND,
            str(
                _l(
                    "Close round %(number)d: it closes on %(moment)s.",
                    number=last.number,
                    moment=timeline.when(last.closes_at),
                )
            ),
            voting_round=last,
            needs_reason=True,
            reason_required=True,
        )
    awaiting = integrity.awaiting_review(last)
    missing = (
        [
            str(
                _l(
                    "%(count)d nominations passing the integrity threshold await your review "
                    "(keep or disqualify).",
                    count=len(awaiting),
                )
            )
        ]
        if awaiting
        else []
    )
    return NextStep(
        StepKind.ADVANCE_ROUND,
        str(_l("Advance round %(number)d and make its shortlist", number=last.number)),
        missing=missing,
        voting_round=last,
    )


class StepMoved(DomainError):
    """The page showed another next step than the one the edition has now."""

    status_code = 409
    message = _l("The edition has moved on since this page was shown; here is its next step now.")


def take_next_step(
    edition: Edition, *, step: str, by: User, now: datetime, reason: str | None = None
) -> str:
    """Take the edition's next step with the service that owns it, and return what to tell
    the secretariat. ``step`` is the step the page showed: if the edition has moved on
    since, nothing is done (:class:`StepMoved`). Side effects: those of the service
    (announce the nominated list, close or advance the round, announce the champions,
    publish the results); each refuses, naming what is missing."""
    current = standing(edition, now=now).next_step
    if current.kind.value != step or not current.has_action:
        raise StepMoved()
    reason = (reason or "").strip() or None
    if current.kind == StepKind.ANNOUNCE_NOMINATED_LIST:
        count = nominations.announce_nominated_list(edition, by=by, now=now, reason=reason)
        return str(_l("The nominated list is public: %(count)d projects.", count=count))
    # A round's step always names its round (``standing`` makes it so).
    voting_round = cast(VotingRound, current.voting_round)
    if current.kind == StepKind.CLOSE_ROUND:
        rounds.close_round_early(voting_round, by=by, now=now, reason=reason)
        return str(_l("The round is closed; it can now be advanced."))
    if current.kind == StepKind.ADVANCE_ROUND:
        shortlist = rounds.advance_round(voting_round, by=by, now=now)
        count = sum(len(ids) for ids in shortlist.values())
        return str(_l("The round is final: %(count)d projects are shortlisted.", count=count))
    if current.kind == StepKind.ANNOUNCE_CHAMPIONS:
        count = champions.announce_champions(edition, by=by, now=now)
        return str(_l("The champions are announced: %(count)d projects.", count=count))
    count = decisions.publish_results(edition, by=by, now=now, reason=reason)
    return str(
        _l(
            "The results are published (%(count)d winners and champions); nominators are told.",
            count=count,
        )
    )


def open_edition_ids(now: datetime) -> set[int]:
    """The editions with a round open at ``now`` (one query), for their phase in a list."""
    return set(
        db.session.scalars(
            select(VotingRound.edition_id).where(
                VotingRound.opens_at <= now,
                VotingRound.closes_at > now,
                VotingRound.finalised_at.is_(None),
            )
        )
    )
