"""The expert group's outcomes: the nominated list (stage 1), winners and champions
(stage 2), and the publication of the results.

The system proposes; the secretariat, acting for the group's chair, decides and records
why. A decision may differ from the proposal, or be taken before every assigned expert has
scored, only with a reason. Published decisions are final: nothing here changes them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from prizes.accounts.models import User
from prizes.contest import timeline
from prizes.contest.models import Category, Edition
from prizes.core import audit, mail
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review.aggregation import NominationScore, aggregate, missing_scores
from prizes.review.champions import voting_blockers
from prizes.review.models import Decision, DecisionOutcome, ReviewStage
from prizes.voting.models import Vote, VoteStatus, VotingRound

NOT_NOMINATED = _l(
    "The expert group did not place the project on the nominated list of its category."
)

results_published = Namespace().signal("results-published")
"""Sent with the edition inside the transaction that publishes its results, so that the
packages above review act on it (the jobs: the finished rounds' log files)."""


class ScoresIncomplete(DomainError):
    status_code = 409
    message = _l(
        "Not every assigned expert has submitted scores. Decide later, or give the reason "
        "for deciding now."
    )


class DecisionsLocked(DomainError):
    status_code = 409
    message = _l("The results of this edition are published; its decisions are final.")


class DecisionRefused(DomainError):
    status_code = 422


def _nominations(
    edition: Edition, category: Category, statuses: tuple[NominationStatus, ...]
) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .where(
                Nomination.edition_id == edition.id,
                Nomination.category_id == category.id,
                Nomination.status.in_(statuses),
            )
            .options(joinedload(Nomination.entry), joinedload(Nomination.nominator))
            .order_by(Nomination.id)
        )
    )


def nominations_in_stage(
    edition: Edition, category: Category, stage: ReviewStage
) -> list[Nomination]:
    """What a stage scores in a category: the submissions, or the shortlist (and, once
    decided, its winners and champions)."""
    statuses = (
        (NominationStatus.SUBMITTED,)
        if stage == ReviewStage.NOMINATION
        else (NominationStatus.SHORTLISTED, NominationStatus.WINNER, NominationStatus.CHAMPION)
    )
    return _nominations(edition, category, statuses)


# --- stage 1: the nominated list ------------------------------------------------------------


def apply_stage_one(
    edition: Edition,
    category: Category,
    *,
    by: User,
    now: datetime,
    override_reason: str | None = None,
) -> list[int]:
    """Nominate the submissions the scores place within the edition's number or cut-off;
    the others are not nominated. Each nominator is told. Returns the nominated ids."""
    if edition.nominated_per_category is None and edition.nomination_cutoff is None:
        raise DecisionRefused(
            str(_l("Set the edition's number per category or its cut-off first."))
        )
    submitted = _nominations(edition, category, (NominationStatus.SUBMITTED,))
    if (
        missing_scores(edition, category, ReviewStage.NOMINATION)
        and not (override_reason or "").strip()
    ):
        raise ScoresIncomplete()
    ranked = aggregate(
        edition,
        [n.id for n in submitted],
        ReviewStage.NOMINATION,
        normalise=edition.normalise_scores,
    )
    chosen = [
        row.nomination_id
        for row in ranked
        if row.mean is not None
        and (edition.nominated_per_category is None or row.rank <= edition.nominated_per_category)
        and (edition.nomination_cutoff is None or row.mean >= edition.nomination_cutoff)
    ]
    for nomination in submitted:
        if nomination.id in chosen:
            nominations.review_nomination(
                nomination, outcome=NominationStatus.NOMINATED, reason=None, by=by, now=now
            )
        else:
            nominations.review_nomination(
                nomination,
                outcome=NominationStatus.REJECTED,
                reason=str(NOT_NOMINATED),
                by=by,
                now=now,
            )
    audit.record(
        db.session,
        "stage1.applied",
        actor=by,
        target=category,
        edition_id=edition.id,
        nominated=chosen,
        override_reason=override_reason,
    )
    return chosen


# --- stage 2: winners and champions ---------------------------------------------------------


@dataclass(frozen=True)
class ProposedRow:
    nomination: Nomination
    score: NominationScore
    votes: int
    rank: int


def public_votes(edition: Edition, nomination_ids: list[int]) -> dict[int, int]:
    """Valid votes of each nomination in the edition's last final round."""
    last_round = (
        select(VotingRound.id)
        .where(VotingRound.edition_id == edition.id, VotingRound.finalised_at.is_not(None))
        .order_by(VotingRound.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Vote.nomination_id, func.count())
        .where(
            Vote.round_id == last_round,
            Vote.status == VoteStatus.VALID,
            Vote.nomination_id.in_(nomination_ids),
        )
        .group_by(Vote.nomination_id)
    )
    return {nomination_id: count for nomination_id, count in rows}


def proposal(edition: Edition, category: Category) -> list[ProposedRow]:
    """The shortlist ranked for the decision.

    The tie rule: the expert score first (normalised when the edition says so); between
    equal scores, the public vote of the last round; projects equal on both share the rank
    and the decision between them is the group's, recorded with its rationale.
    """
    shortlist = nominations_in_stage(edition, category, ReviewStage.SELECTION)
    by_id = {n.id: n for n in shortlist}
    scores = aggregate(
        edition, list(by_id), ReviewStage.SELECTION, normalise=edition.normalise_scores
    )
    votes = public_votes(edition, list(by_id))

    def order(row: NominationScore) -> tuple[bool, float, int, int]:
        value = row.key(edition.normalise_scores)
        return (value is None, -(value or 0.0), -votes.get(row.nomination_id, 0), row.nomination_id)

    rows: list[ProposedRow] = []
    for position, score in enumerate(sorted(scores, key=order), start=1):
        tied = rows and order(score)[:3] == order(rows[-1].score)[:3]
        rows.append(
            ProposedRow(
                by_id[score.nomination_id],
                score,
                votes.get(score.nomination_id, 0),
                rows[-1].rank if tied else position,
            )
        )
    return rows


def record_decision(
    edition: Edition,
    category: Category,
    *,
    winner_ids: list[int],
    rationale: str,
    deviation_reason: str | None,
    override_reason: str | None,
    by: User,
    now: datetime,
) -> list[Decision]:
    """Record the winners (none, one, or more: each happened) and the champions of a
    category, replacing an earlier unpublished decision. Side effects: decision rows, audit."""
    if edition.results_published_at is not None:
        raise DecisionsLocked()
    timeline.refuse_if(voting_blockers(edition))
    rationale = rationale.strip()
    deviation_reason = (deviation_reason or "").strip() or None
    override_reason = (override_reason or "").strip() or None
    if not rationale:
        raise DecisionRefused(str(_l("Please give the rationale of the decision.")))
    rows = proposal(edition, category)
    shortlist = {row.nomination.id for row in rows}
    if not shortlist:
        raise DecisionRefused(str(_l("This category has no shortlist to decide on.")))
    if not set(winner_ids) <= shortlist:
        raise DecisionRefused(str(_l("Winners must come from the category's shortlist.")))
    if missing_scores(edition, category, ReviewStage.SELECTION) and not override_reason:
        raise ScoresIncomplete()
    top = {row.nomination.id for row in rows if row.rank == 1 and row.score.mean is not None}
    follows_proposal = (
        bool(winner_ids) and set(winner_ids) <= top and (len(winner_ids) == 1 or len(top) > 1)
    )
    if not follows_proposal and not deviation_reason:
        raise DecisionRefused(
            str(_l("The decision differs from the proposed ranking: please give the reason."))
        )
    db.session.execute(
        delete(Decision).where(
            Decision.edition_id == edition.id, Decision.category_id == category.id
        )
    )
    decisions = [
        Decision(
            edition_id=edition.id,
            category_id=category.id,
            nomination_id=nid,
            outcome=DecisionOutcome.WINNER if nid in winner_ids else DecisionOutcome.CHAMPION,
            rationale=rationale,
            deviation_reason=deviation_reason,
            override_reason=override_reason,
            decided_by_id=by.id,
            decided_at=now,
        )
        for nid in sorted(shortlist)
    ]
    db.session.add_all(decisions)
    db.session.flush()
    audit.record(
        db.session,
        "decision.recorded",
        actor=by,
        target=category,
        edition_id=edition.id,
        winners=sorted(winner_ids),
        deviation_reason=deviation_reason,
        override_reason=override_reason,
    )
    return decisions


def decisions_of(edition: Edition) -> dict[int, list[Decision]]:
    """The edition's decisions by category id, with their nominations and entries."""
    grouped: dict[int, list[Decision]] = defaultdict(list)
    for decision in db.session.scalars(
        select(Decision)
        .where(Decision.edition_id == edition.id)
        .options(
            joinedload(Decision.nomination).joinedload(Nomination.entry),
            joinedload(Decision.nomination).joinedload(Nomination.nominator),
        )
        .order_by(Decision.category_id, Decision.outcome.desc(), Decision.nomination_id)
    ):
        grouped[decision.category_id].append(decision)
    return grouped


def publish_blockers(edition: Edition, *, now: datetime, reason: str | None = None) -> list[str]:
    """What publishing the winners still needs: the champions announced, a decision in
    every category that has champions, and the end of the selection (or a reason)."""
    if edition.results_published_at is not None:
        return [str(_l("The results of this edition are already published."))]
    missing = []
    if edition.champions_announced_at is None:
        missing.append(str(_l("Announce the champions before the winners.")))
    with_shortlist = set(
        db.session.scalars(
            select(Nomination.category_id).where(
                Nomination.edition_id == edition.id,
                Nomination.status.in_((NominationStatus.SHORTLISTED, NominationStatus.CHAMPION)),
            )
        )
    )
    decided = set(
        db.session.scalars(select(Decision.category_id).where(Decision.edition_id == edition.id))
    )
    undecided = with_shortlist - decided
    if undecided or not decided:
        numbers = sorted(
            db.session.scalars(select(Category.number).where(Category.id.in_(undecided)))
        )
        missing.append(
            str(
                _l(
                    "Every category with champions needs its decision before publication; "
                    "undecided: %(categories)s.",
                    categories=", ".join(str(n) for n in numbers) or "-",
                )
            )
        )
    missing += timeline.early_needs_reason(
        due=edition.selection_closes_at,
        now=now,
        reason=reason,
        what=str(_l("The publication of the winners")),
    )
    return missing


def publish_results(edition: Edition, *, by: User, now: datetime, reason: str | None = None) -> int:
    """Publish every category's decision at once, mark the winners (the other champions
    stay champions), and mail the nominators. Refused, naming what is missing, twice,
    before the champions are announced, while a category with champions has no decision,
    and before the end of the selection unless a reason is given (an override)."""
    if edition.results_published_at is not None:
        raise DecisionsLocked(str(_l("The results of this edition are already published.")))
    timeline.refuse_if(publish_blockers(edition, now=now, reason=reason))
    timeline.override_if_early(
        edition,
        step=timeline.Step.PUBLISH_RESULTS,
        due=edition.selection_closes_at,
        now=now,
        reason=reason,
        by=by,
    )
    decided = decisions_of(edition)
    for category_decisions in decided.values():
        for decision in category_decisions:
            decision.published_at = now
            nomination = decision.nomination
            nomination.status = (
                NominationStatus.WINNER
                if decision.outcome == DecisionOutcome.WINNER
                else NominationStatus.CHAMPION
            )
            mail.queue(
                db.session,
                to=nomination.nominator.email,
                language=nomination.nominator.language,
                subject=_l("WSIS Prizes %(year)d: the results", year=edition.year),
                template="results_published",
                nomination=nomination,
                outcome=decision.outcome.value,
                url=external_url("results.edition", year=edition.year),
            )
    edition.results_published_at = now
    results_published.send(edition)
    bump_after_commit(db.session, "catalogue")
    audit.record(db.session, "results.published", actor=by, target=edition)
    return sum(len(d) for d in decided.values())
