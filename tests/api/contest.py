"""An edition with something private at every turn, and the moves that take it through
every phase, for the API's privacy walk and its conformance run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from prizes.accounts.models import Role
from prizes.contest.models import Edition
from prizes.core.clock import now
from prizes.db import db
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review.models import Decision, DecisionOutcome
from prizes.voting.models import Vote, VotingRound
from tests.factories import make_edition, make_entry, make_nomination, make_round, make_user

PHASES = ("upcoming", "submission", "review", "voting", "selection", "champions", "announced")


@dataclass
class Contest:
    edition: Edition
    nominated: list[Nomination]
    private: dict[str, str] = field(default_factory=dict)  # what -> a text that must not show
    round: VotingRound | None = None
    winner: Nomination | None = None


def build_contest(year: int = 2040) -> Contest:
    """One edition: two nominated projects (their texts private until the announcement),
    a draft, a rejected and a withdrawn nomination, voters with votes, a round, decisions."""
    edition = make_edition(year=year)
    nominator = make_user(roles=(Role.STAKEHOLDER,), email="nominator-secret@example.org")
    private = {"nominator e-mail": nominator.email}
    nominated = [
        make_nomination(
            edition=edition,
            nominator=nominator,
            category_number=4,
            short_description=f"UNANNOUNCED-{i} nominated text",
        )
        for i in range(2)
    ]
    for status in (NominationStatus.DRAFT, NominationStatus.REJECTED, NominationStatus.WITHDRAWN):
        text = f"PRIVATE-{status.value.upper()} nomination"
        make_nomination(
            edition=edition,
            entry=make_entry(title=f"Entry of a {status.value} nomination"),
            category_number=5,
            status=status,
            short_description=text,
            status_reason=f"REASON-{status.value}" if status == NominationStatus.REJECTED else None,
        )
        private[f"{status.value} nomination"] = text
    private["rejection reason"] = "REASON-rejected"
    draft_entry = make_entry(title="DRAFT-ENTRY never published")
    draft_entry.status = draft_entry.status.DRAFT
    private["draft entry"] = draft_entry.title
    voting_round = make_round(edition=edition, nominations=nominated)
    voter = make_user(email="voter-secret@example.org")
    private["voter e-mail"] = voter.email
    vote = Vote(
        round_id=voting_round.id,
        category_id=nominated[0].category_id,
        nomination_id=nominated[0].id,
        voter_id=voter.id,
        receipt_code="RECEIPTSECRET01",
        network_hash="f" * 64,
        device_hash="e" * 64,
    )
    db.session.add(vote)
    private["receipt"] = vote.receipt_code
    private["network hash"] = vote.network_hash
    private["device hash"] = vote.device_hash
    db.session.flush()
    return Contest(edition=edition, nominated=nominated, private=private, round=voting_round)


def move_to(contest: Contest, phase: str) -> None:
    """Set the edition's dates and steps so that it stands in ``phase`` now."""
    edition, voting_round, moment = contest.edition, contest.round, now()
    assert voting_round is not None
    starts = {
        "upcoming": moment + timedelta(days=5),
        "submission": moment - timedelta(days=5),
    }.get(phase, moment - timedelta(days=100))
    edition.submission_opens_at = starts
    edition.submission_closes_at = starts + timedelta(days=60)
    edition.review_closes_at = starts + timedelta(days=80)
    edition.selection_closes_at = starts + timedelta(days=140)
    announced = phase in ("voting", "selection", "champions", "announced")
    edition.nominated_list_announced_at = starts + timedelta(days=81) if announced else None
    voting_round.opens_at = moment - timedelta(days=1)
    voting_round.closes_at = moment + (
        timedelta(days=5) if phase == "voting" else -timedelta(hours=1)
    )
    voting_round.public_tally = True
    voting_round.finalised_at = None if phase == "voting" else moment - timedelta(minutes=30)
    edition.champions_announced_at = (
        moment - timedelta(minutes=20) if phase in ("champions", "announced") else None
    )
    edition.results_published_at = moment - timedelta(minutes=10) if phase == "announced" else None
    if phase in ("selection", "champions", "announced") and contest.winner is None:
        secretariat = make_user(roles=(Role.SECRETARIAT,))
        first, second = contest.nominated
        first.status, second.status = NominationStatus.WINNER, NominationStatus.CHAMPION
        for nomination, outcome in (
            (first, DecisionOutcome.WINNER),
            (second, DecisionOutcome.CHAMPION),
        ):
            db.session.add(
                Decision(
                    edition_id=edition.id,
                    category_id=nomination.category_id,
                    nomination_id=nomination.id,
                    outcome=outcome,
                    rationale="RATIONALE-private to the expert group",
                    decided_by_id=secretariat.id,
                )
            )
        contest.private["rationale"] = "RATIONALE-private"
        contest.winner = first
    db.session.flush()
