"""The integrity threshold of a round: a nominee whose votes are too often invalidated or
flagged waits for the secretariat's review before the shortlist is made.

For each nominee of a round, the share of its votes (all cast for it in the round) that are
invalidated, or valid and listed by an open suspicion flag, is compared with the edition's
threshold (``Edition.integrity_threshold_percent``, 30 by default). A nominee that passes it
(strictly more) is marked: an ``IntegrityReview``, pending until the secretariat keeps it or
disqualifies it with a reason; the nominator is told the decision by mail. Advancing the
round (``rounds.advance_round``) is refused while a nominee passes the threshold without a
decision, and a disqualified nomination is left out of the round's ranking, so never
shortlisted.

The shares are computed when the round has closed: by the fraud checks' job run after the
close, when the secretariat closes the round early, with the "check now" button, and (read
only) by the advancing itself. The vote path is untouched. An open flag's evidence lists at
most 1,000 vote ids (prizes.voting.fraud): the votes past that cap are not counted here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from prizes.accounts.models import User
from prizes.core import audit, mail
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination
from prizes.voting.models import (
    FlagStatus,
    IntegrityReview,
    ReviewStatus,
    SuspicionFlag,
    Vote,
    VoteStatus,
    VotingRound,
)

CHUNK = 5000


class IntegrityRefused(DomainError):
    status_code = 409


@dataclass(frozen=True)
class NomineeShare:
    """One nominee's votes in a round: all of them, the invalidated ones, and the valid ones
    that an open flag lists."""

    nomination_id: int
    total: int
    invalidated: int
    flagged: int

    @property
    def suspect(self) -> int:
        return self.invalidated + self.flagged

    @property
    def share(self) -> float:
        return self.suspect / self.total if self.total else 0.0

    def passes(self, threshold_percent: int) -> bool:
        """Strictly more than the threshold (in whole numbers: no rounding at the edge)."""
        return self.suspect * 100 > threshold_percent * self.total


def nominee_shares(voting_round: VotingRound) -> dict[int, NomineeShare]:
    """Every nominee with a vote in the round, by nomination id (one GROUP BY, and the open
    flags' listed votes read in chunks)."""
    counted = db.session.execute(
        select(
            Vote.nomination_id,
            func.count(),
            func.count().filter(Vote.status == VoteStatus.INVALIDATED),
        )
        .where(Vote.round_id == voting_round.id)
        .group_by(Vote.nomination_id)
    ).all()
    listed: set[int] = set()
    for evidence in db.session.scalars(
        select(SuspicionFlag.evidence).where(
            SuspicionFlag.round_id == voting_round.id, SuspicionFlag.status == FlagStatus.OPEN
        )
    ):
        listed.update(int(i) for i in (evidence or {}).get("vote_ids", ()))
    flagged: Counter[int] = Counter()
    ids = sorted(listed)
    for start in range(0, len(ids), CHUNK):
        for nomination_id, count in db.session.execute(
            select(Vote.nomination_id, func.count())
            .where(
                Vote.round_id == voting_round.id,
                Vote.status == VoteStatus.VALID,
                Vote.id.in_(ids[start : start + CHUNK]),
            )
            .group_by(Vote.nomination_id)
        ):
            flagged[nomination_id] += count
    return {
        nomination_id: NomineeShare(nomination_id, total, invalidated, flagged[nomination_id])
        for nomination_id, total, invalidated in counted
    }


def over_threshold(voting_round: VotingRound) -> list[NomineeShare]:
    """The nominees whose share passes the edition's threshold, the largest share first."""
    threshold = voting_round.edition.integrity_threshold_percent
    found = [s for s in nominee_shares(voting_round).values() if s.passes(threshold)]
    return sorted(found, key=lambda s: (-s.share, s.nomination_id))


def init_app(app: Flask) -> None:
    """Answer nominations' question about a nomination's integrity decisions."""
    nominations.integrity_decisions.answer_with(decisions_about)


def decisions_about(nomination: Nomination) -> list[IntegrityReview]:
    """The decided reviews of a nomination, in round order (what its nominator is told)."""
    return list(
        db.session.scalars(
            select(IntegrityReview)
            .join(VotingRound, VotingRound.id == IntegrityReview.round_id)
            .where(
                IntegrityReview.nomination_id == nomination.id,
                IntegrityReview.status != ReviewStatus.PENDING,
            )
            .order_by(VotingRound.number)
        )
    )


def reviews_of(round_id: int) -> dict[int, IntegrityReview]:
    """The round's integrity reviews, by nomination id."""
    rows = db.session.scalars(select(IntegrityReview).where(IntegrityReview.round_id == round_id))
    return {review.nomination_id: review for review in rows}


def disqualified_ids(round_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(IntegrityReview.nomination_id).where(
                IntegrityReview.round_id == round_id,
                IntegrityReview.status == ReviewStatus.DISQUALIFIED,
            )
        )
    )


def awaiting_review(voting_round: VotingRound) -> list[int]:
    """The nominations that block the shortlist: marked and pending, or passing the
    threshold now without a decision (not marked yet)."""
    reviews = reviews_of(voting_round.id)
    waiting = {nid for nid, review in reviews.items() if review.status == ReviewStatus.PENDING}
    waiting |= {
        found.nomination_id
        for found in over_threshold(voting_round)
        if found.nomination_id not in reviews
    }
    return sorted(waiting)


def mark_for_review(
    voting_round: VotingRound, *, now: datetime, by: User | None = None
) -> list[IntegrityReview]:
    """Mark every nominee passing the threshold that has no review yet; a pending review
    gets the figures of now. Only once the round has closed, and before it is final.
    Returns the new reviews. Side effects: reviews, one audit event when any is new."""
    if voting_round.finalised_at is not None:
        raise IntegrityRefused(str(_l("This round was already advanced.")))
    if now < voting_round.closes_at:
        raise IntegrityRefused(
            str(_l("The integrity threshold is checked once the round has closed."))
        )
    threshold = voting_round.edition.integrity_threshold_percent
    reviews = reviews_of(voting_round.id)
    created = []
    for found in over_threshold(voting_round):
        review = reviews.get(found.nomination_id)
        if review is None:
            review = IntegrityReview(
                round_id=voting_round.id,
                nomination_id=found.nomination_id,
                status=ReviewStatus.PENDING,
                marked_at=now,
            )
            db.session.add(review)
            created.append(review)
        if review.status == ReviewStatus.PENDING:
            review.total_votes, review.suspect_votes = found.total, found.suspect
            review.threshold_percent = threshold
    db.session.flush()
    if created:
        audit.record(
            db.session,
            "integrity.marked",
            actor=by,
            target=voting_round,
            nomination_ids=[review.nomination_id for review in created],
            threshold_percent=threshold,
        )
    return created


class ReviewAlreadyDecided(DomainError):
    status_code = 409
    message = _l("This nomination's integrity review is already decided so.")


def decide(
    voting_round: VotingRound,
    nomination_id: int,
    *,
    disqualify: bool,
    reason: str | None,
    by: User,
    now: datetime,
) -> IntegrityReview:
    """Keep the nomination in the round, or disqualify it (a reason is required; it is sent
    to the nominator). A nominee passing the threshold that was not marked yet is marked
    first. A decision may be changed until the round is advanced (a mistake is put right
    before the shortlist is made; the audit keeps both). Refused once the round is final,
    for a nominee that does not pass the threshold, and for the decision it already has.
    Side effects: the review, a mail to the nominator, an audit event, the round's results
    cache."""
    reason = (reason or "").strip() or None
    if voting_round.finalised_at is not None:
        raise IntegrityRefused(str(_l("This round was already advanced.")))
    review = reviews_of(voting_round.id).get(nomination_id)
    if review is None:
        mark_for_review(voting_round, now=now, by=by)
        review = reviews_of(voting_round.id).get(nomination_id)
    if review is None:
        raise IntegrityRefused(
            str(_l("This nomination does not pass the integrity threshold: there is no review."))
        )
    outcome = ReviewStatus.DISQUALIFIED if disqualify else ReviewStatus.KEPT
    if review.status == outcome:
        raise ReviewAlreadyDecided()
    changed_from = review.status if review.status != ReviewStatus.PENDING else None
    if disqualify and reason is None:
        raise IntegrityRefused(str(_l("Please give the reason for the disqualification.")))
    review.status = outcome
    review.reason = reason
    review.decided_at, review.decided_by_id = now, by.id
    db.session.flush()
    nomination = review.nomination
    nominator = nomination.nominator
    mail.queue(
        db.session,
        to=nominator.email,
        language=nominator.language,
        subject=_l(
            "The integrity review of your nomination in %(title)s", title=voting_round.title
        ),
        template="integrity_review",
        nomination=nomination,
        voting_round=voting_round,
        review=review,
        disqualified=disqualify,
        deadline=voting_round.edition.dispute_deadline(now),
        dispute_url=external_url("disputes.open_dispute", nomination=nomination.id),
    )
    bump_after_commit(db.session, "catalogue", f"tally:{voting_round.id}")
    audit.record(
        db.session,
        "integrity.disqualified" if disqualify else "integrity.kept",
        actor=by,
        target=review,
        round_id=voting_round.id,
        nomination_id=nomination_id,
        suspect_votes=review.suspect_votes,
        total_votes=review.total_votes,
        changed_from=changed_from.value if changed_from else None,
    )
    return review
