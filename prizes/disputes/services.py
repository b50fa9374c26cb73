"""The dispute channel: opening a dispute within the edition's window, and its steps.

A dispute is about a vote (the voter's own), a nomination (its nominator's, or one on the
public lists) or a round's result (once the round is final). It may be opened until the
edition's dispute window (``Edition.dispute_window_days``, 7 by default) has passed since
the step it is about:

- a vote: the round's close, or the vote's invalidation when that came later;
- a nomination: the latest of the nominated list's announcement, the close of a round with
  it on the ballot, the secretariat's integrity decision on it, the results' publication;
- a result: the results' publication, or before it the round's finalisation.

Its states: open -> answered, or open -> referred (to the expert group, whose members add
their opinions) -> answered; then closed, with an outcome (upheld or not). The secretariat
answers, refers and closes; the person who opened it is told the answer and the outcome by
mail. Every step writes an audit event. The outcome, never the statement, the answer or who
opened it, is listed in the round's transparency report.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import acts_as
from prizes.contest.models import Edition
from prizes.contest.timeline import when
from prizes.core import audit, mail
from prizes.core.errors import DomainError, NotAllowed
from prizes.core.urls import external_url
from prizes.db import db
from prizes.disputes.models import (
    Dispute,
    DisputeOpinion,
    DisputeOutcome,
    DisputeState,
    DisputeSubject,
)
from prizes.nominations.models import Nomination
from prizes.voting.models import BallotEntry, IntegrityReview, ReviewStatus, Vote, VotingRound

# How many disputes one person may have unanswered at a time: enough for every real case,
# and a bound on what one account can load on the secretariat.
MAX_UNANSWERED = 10


class DisputeRefused(DomainError):
    status_code = 409


class DisputeNotFound(DomainError):
    """The object is not one this person may dispute (or does not exist): 404 either way."""

    status_code = 404
    message = _l("There is nothing of that name for you to dispute.")


def vote_step(vote: Vote) -> datetime:
    """The step a dispute about a vote is about: the close, or a later invalidation."""
    closes = vote.round.closes_at
    return max(closes, vote.invalidated_at) if vote.invalidated_at else closes


def nomination_step(nomination: Nomination, now: datetime) -> datetime | None:
    """The latest step taken on the nomination (see the module), None before any."""
    edition = nomination.edition
    steps = [edition.nominated_list_announced_at, edition.results_published_at]
    steps += db.session.scalars(
        select(VotingRound.closes_at)
        .join(BallotEntry, BallotEntry.round_id == VotingRound.id)
        .where(BallotEntry.nomination_id == nomination.id)
    ).all()
    steps += db.session.scalars(
        select(IntegrityReview.decided_at).where(
            IntegrityReview.nomination_id == nomination.id,
            IntegrityReview.status != ReviewStatus.PENDING,
        )
    ).all()
    taken = [step for step in steps if step is not None and step <= now]
    return max(taken, default=None)


def result_step(voting_round: VotingRound) -> datetime | None:
    return voting_round.edition.results_published_at or voting_round.finalised_at


def _last_round_of(nomination: Nomination) -> int | None:
    return db.session.scalar(
        select(VotingRound.id)
        .join(BallotEntry, BallotEntry.round_id == VotingRound.id)
        .where(BallotEntry.nomination_id == nomination.id)
        .order_by(VotingRound.number.desc())
        .limit(1)
    )


def may_dispute_nomination(nomination: Nomination, user: User) -> bool:
    """The nominator always; anyone else only a nomination on the public lists."""
    return nomination.nominator_id == user.id or nomination.is_public


def open_dispute(
    *,
    by: User,
    statement: str,
    now: datetime,
    vote: Vote | None = None,
    nomination: Nomination | None = None,
    voting_round: VotingRound | None = None,
) -> Dispute:
    """Open a dispute about exactly one of ``vote``, ``nomination`` or ``voting_round`` (its
    result). Refused (DisputeNotFound, a 404) for an object the person may not dispute, and
    (DisputeRefused) outside the window, twice about the same object while the first is not
    closed, or past MAX_UNANSWERED. Side effects: the dispute, an audit event."""
    statement = statement.strip()
    if len(statement) < 10:
        raise DisputeRefused(
            str(_l("Please say what you dispute and why (10 characters or more)."))
        )
    given = [thing for thing in (vote, nomination, voting_round) if thing is not None]
    if len(given) != 1:
        raise DisputeNotFound()
    step: datetime | None
    edition: Edition
    round_id: int | None
    if vote is not None:
        if vote.voter_id != by.id:
            raise DisputeNotFound()
        subject, step, edition, round_id = (
            DisputeSubject.VOTE,
            vote_step(vote),
            vote.round.edition,
            vote.round_id,
        )
    elif nomination is not None:
        if not may_dispute_nomination(nomination, by):
            raise DisputeNotFound()
        subject, step, edition = (
            DisputeSubject.NOMINATION,
            nomination_step(nomination, now),
            nomination.edition,
        )
        round_id = _last_round_of(nomination)
        if step is None:
            raise DisputeRefused(
                str(
                    _l(
                        "Nothing has been decided about this nomination yet: a dispute can "
                        "be opened after the nominated list, a round's close or the results."
                    )
                )
            )
    elif voting_round is not None:
        subject, step = DisputeSubject.RESULT, result_step(voting_round)
        edition, round_id = voting_round.edition, voting_round.id
        if step is None:
            raise DisputeRefused(
                str(_l("This round's result is not final yet: there is nothing to dispute."))
            )
    else:
        raise DisputeNotFound()
    if step is None:
        raise DisputeNotFound()
    deadline = edition.dispute_deadline(step)
    if now > deadline:
        raise DisputeRefused(
            str(
                _l(
                    "The time to dispute this has passed: disputes were open until %(deadline)s.",
                    deadline=when(deadline),
                )
            )
        )
    _refuse_duplicates(by, subject, vote=vote, nomination=nomination, round_id=round_id)
    dispute = Dispute(
        edition_id=edition.id,
        round_id=round_id,
        subject=subject,
        vote_id=vote.id if vote else None,
        nomination_id=nomination.id if nomination else None,
        opened_by_id=by.id,
        opened_at=now,
        deadline_at=deadline,
        statement=statement,
        state=DisputeState.OPEN,
    )
    db.session.add(dispute)
    db.session.flush()
    audit.record(
        db.session,
        "dispute.opened",
        actor=by,
        target=dispute,
        subject=subject.value,
        round_id=round_id,
        nomination_id=dispute.nomination_id,
    )
    return dispute


def _refuse_duplicates(
    by: User,
    subject: DisputeSubject,
    *,
    vote: Vote | None,
    nomination: Nomination | None,
    round_id: int | None,
) -> None:
    unclosed = (Dispute.opened_by_id == by.id, Dispute.state != DisputeState.CLOSED)
    if vote is not None:
        same = Dispute.vote_id == vote.id
    elif nomination is not None:
        same = Dispute.nomination_id == nomination.id
    else:
        same = (Dispute.subject == DisputeSubject.RESULT) & (Dispute.round_id == round_id)
    if db.session.scalar(select(Dispute.id).where(*unclosed, same).limit(1)) is not None:
        raise DisputeRefused(
            str(_l("You already have a dispute about this that is not closed: see My disputes."))
        )
    unanswered = db.session.scalar(
        select(func.count())
        .select_from(Dispute)
        .where(
            Dispute.opened_by_id == by.id,
            Dispute.state.in_((DisputeState.OPEN, DisputeState.REFERRED)),
        )
    )
    if (unanswered or 0) >= MAX_UNANSWERED:
        raise DisputeRefused(
            str(_l("You have many disputes awaiting an answer: please wait for their answers."))
        )


def _require(dispute: Dispute, *states: DisputeState) -> None:
    if dispute.state not in states:
        raise DisputeRefused(
            str(
                _l(
                    "This dispute is %(state)s: that step is not open to it.",
                    state=dispute.state.label.lower(),
                )
            )
        )


def _require_secretariat(user: User) -> None:
    if not acts_as(user, Role.SECRETARIAT):
        raise NotAllowed()


def answer(dispute: Dispute, *, by: User, text: str, now: datetime) -> None:
    """The secretariat's answer to an open or referred dispute; the opener is told by mail.
    Side effects: state, answer, an audit event, a mail."""
    _require_secretariat(by)
    _require(dispute, DisputeState.OPEN, DisputeState.REFERRED)
    text = text.strip()
    if not text:
        raise DisputeRefused(str(_l("Please write the answer.")))
    dispute.state = DisputeState.ANSWERED
    dispute.answer, dispute.answered_at, dispute.answered_by_id = text, now, by.id
    db.session.flush()
    audit.record(db.session, "dispute.answered", actor=by, target=dispute)
    subject = _l("Your dispute no. %(number)d is answered", number=dispute.id)
    _tell_opener(dispute, "dispute_answered", subject)


def refer(dispute: Dispute, *, by: User, note: str, now: datetime) -> None:
    """Refer an open dispute to the expert group, whose members see it and add opinions.
    Side effects: state, the note, an audit event."""
    _require_secretariat(by)
    _require(dispute, DisputeState.OPEN)
    note = note.strip()
    if not note:
        raise DisputeRefused(str(_l("Please say what the expert group is asked.")))
    dispute.state = DisputeState.REFERRED
    dispute.referral_note, dispute.referred_at, dispute.referred_by_id = note, now, by.id
    db.session.flush()
    audit.record(db.session, "dispute.referred", actor=by, target=dispute)


def add_opinion(dispute: Dispute, *, by: User, text: str, now: datetime) -> DisputeOpinion:
    """An expert's opinion on a dispute referred to the expert group. Side effects: the
    opinion, an audit event."""
    if not acts_as(by, Role.EXPERT):
        raise NotAllowed()
    _require(dispute, DisputeState.REFERRED)
    text = text.strip()
    if not text:
        raise DisputeRefused(str(_l("Please write your opinion.")))
    opinion = DisputeOpinion(dispute_id=dispute.id, expert_id=by.id, written_at=now, opinion=text)
    db.session.add(opinion)
    db.session.flush()
    audit.record(db.session, "dispute.opinion", actor=by, target=dispute, opinion_id=opinion.id)
    return opinion


def close(dispute: Dispute, *, by: User, outcome: DisputeOutcome, now: datetime) -> None:
    """Close an answered dispute with its outcome; the opener is told by mail. Side effects:
    state, outcome, an audit event, a mail."""
    _require_secretariat(by)
    _require(dispute, DisputeState.ANSWERED)
    dispute.state, dispute.outcome = DisputeState.CLOSED, outcome
    dispute.closed_at, dispute.closed_by_id = now, by.id
    db.session.flush()
    audit.record(db.session, "dispute.closed", actor=by, target=dispute, outcome=outcome.value)
    _tell_opener(
        dispute, "dispute_closed", _l("Your dispute no. %(number)d is closed", number=dispute.id)
    )


def _tell_opener(dispute: Dispute, template: str, subject: object) -> None:
    opener = dispute.opened_by
    mail.queue(
        db.session,
        to=opener.email,
        language=opener.language,
        subject=subject,
        template=template,
        dispute=dispute,
        url=external_url("disputes.mine"),
    )
