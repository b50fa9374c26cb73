"""A whole contest in one call, for the tests that walk every route with real ids.

One edition open for submissions and under review (with its rubric, expert assignments, a
recusal, draft scores, an open voting round with votes and a suspicion flag), and one past
edition with published results. Each person plays one part, so the access tests can ask
"the owner" against "another stakeholder", "the assigned expert" against "the recused one".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from prizes.accounts import services as accounts
from prizes.accounts.models import Role, User
from prizes.contest.models import Category, Edition
from prizes.core.clock import now
from prizes.core.mail import MailStatus, OutgoingMail
from prizes.core.tokens import make_token
from prizes.core.vocabulary import ActionLine
from prizes.db import db
from prizes.disputes.models import Dispute, DisputeState, DisputeSubject
from prizes.exports.models import Export, ExportKind
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review import services as review
from prizes.review.models import (
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
    ExpertAssignment,
    ExpertInvitation,
    ReviewStage,
    RubricCriterion,
)
from prizes.review.scoring import CriterionScore, save_scores
from prizes.stocktaking.models import EntryStatus, StocktakingEntry
from prizes.voting.models import FlagKind, SuspicionFlag, Vote, VotingRound
from tests.factories import get_category, make_edition, make_entry, make_nomination, make_round
from tests.factories import make_user as _make_user


@dataclass
class Seeded:
    edition: Edition
    past_edition: Edition
    category: Category  # the assigned category (4)
    other_category: Category  # a category the assigned experts do not review (9)
    criteria: list[RubricCriterion]
    # People
    secretariat: User
    owner: User  # a stakeholder: owns the entries below and made the private nominations
    other_stakeholder: User
    voter: User
    other_voter: User
    unverified: User
    expert: User  # assigned to category 4, no conflict declared on the submitted one yet
    recused_expert: User  # assigned to category 4, declared a conflict with ``submitted``
    unassigned_expert: User  # assigned to category 9 only
    # Objects
    entry: StocktakingEntry  # the owner's, nominated (so locked while under review)
    private_entry: StocktakingEntry  # the owner's draft entry, not published, free to edit
    draft: Nomination  # the owner's draft in category 9: private, editable
    submitted: Nomination  # the owner's submitted nomination in category 4: under review
    shortlisted: Nomination  # category 4, for stage 2 scoring and decisions
    other_shortlisted: Nomination  # category 9
    ballot: list[Nomination]  # nominated projects on the round's ballot
    voting_round: VotingRound
    vote: Vote  # the voter's
    other_vote: Vote  # the other voter's
    flag: SuspicionFlag
    dispute: Dispute  # the voter's, about their vote, referred to the expert group
    export: Export  # a queued export of the round's votes
    failed_mail: OutgoingMail  # every attempt failed: the outbox offers to send it again
    # Links that carry a token
    invitation_token: str
    reset_token: str
    verify_token: str
    email_change_token: str


def _user(*roles: Role, verified: bool = True) -> User:
    return _make_user(roles=roles, verified=verified)


def seed_contest() -> Seeded:
    """Build the contest and commit it (the test's transaction still rolls it all back)."""
    edition = make_edition()
    past = make_edition(start=now() - timedelta(days=400))
    category, other_category = get_category(4), get_category(9)
    criteria = [
        RubricCriterion(edition_id=edition.id, position=i, name=name, weight=1.0)
        for i, name in enumerate(("Impact", "Sustainability"), start=1)
    ]
    db.session.add_all(criteria)

    secretariat = _user(Role.SECRETARIAT)
    owner = _user(Role.STAKEHOLDER)
    other_stakeholder = _user(Role.STAKEHOLDER)
    voter, other_voter = _user(), _user()
    unverified = _user(verified=False)
    expert, recused_expert, unassigned_expert = (
        _user(Role.EXPERT),
        _user(Role.EXPERT),
        _user(Role.EXPERT),
    )
    for person, chosen in (
        (expert, category),
        (recused_expert, category),
        (unassigned_expert, other_category),
    ):
        db.session.add(
            ExpertAssignment(edition_id=edition.id, expert_id=person.id, category_id=chosen.id)
        )

    both_lines = (ActionLine.C4, ActionLine.C7)
    entry = make_entry(owner=owner, action_lines=both_lines)
    private_entry = make_entry(owner=owner, action_lines=both_lines)
    private_entry.status = EntryStatus.DRAFT
    submitted = make_nomination(
        edition=edition, entry=entry, nominator=owner, status=NominationStatus.SUBMITTED
    )
    draft = make_nomination(
        edition=edition,
        entry=make_entry(owner=owner, action_lines=(ActionLine.C7,)),
        nominator=owner,
        category_number=9,
        status=NominationStatus.DRAFT,
    )
    shortlisted = make_nomination(edition=edition, status=NominationStatus.SHORTLISTED)
    other_shortlisted = make_nomination(
        edition=edition,
        entry=make_entry(action_lines=(ActionLine.C7,)),
        category_number=9,
        status=NominationStatus.SHORTLISTED,
    )
    ballot = [make_nomination(edition=edition) for _ in range(2)] + [
        make_nomination(
            edition=edition,
            entry=make_entry(action_lines=(ActionLine.C7,)),
            category_number=9,
        )
        for _ in range(2)
    ]
    voting_round = make_round(edition=edition, nominations=ballot)

    db.session.add(
        ConflictDeclaration(
            expert_id=recused_expert.id,
            nomination_id=submitted.id,
            has_conflict=True,
            reason="I advised this project.",
        )
    )
    db.session.flush()
    review.declare_conflict(expert, shortlisted, has_conflict=False, reason=None, now=now())
    save_scores(
        expert,
        shortlisted,
        ReviewStage.SELECTION,
        {criteria[0].id: CriterionScore(7, "Clear results.")},
        submit=False,
        now=now(),
    )

    # Stored directly, not through the vote service (whose signature is the lead's to change).
    vote, other_vote = (
        Vote(
            round_id=voting_round.id,
            category_id=category.id,
            nomination_id=nomination.id,
            voter_id=person.id,
            cast_at=now(),
            receipt_code=code,
            network_hash="a" * 64,
        )
        for person, nomination, code in (
            (voter, ballot[0], "SEED-VOTE-AAAA-BBBB"),
            (other_voter, ballot[1], "SEED-VOTE-CCCC-DDDD"),
        )
    )
    db.session.add_all([vote, other_vote])
    db.session.flush()
    flag = SuspicionFlag(
        round_id=voting_round.id,
        kind=FlagKind.NETWORK_BURST,
        subject="a" * 64,
        evidence={"vote_ids": [other_vote.id]},
        vote_count=1,
    )
    db.session.add(flag)
    dispute = Dispute(
        edition_id=edition.id,
        round_id=voting_round.id,
        subject=DisputeSubject.VOTE,
        vote_id=vote.id,
        opened_by_id=voter.id,
        deadline_at=voting_round.closes_at + timedelta(days=7),
        statement="My vote was recorded for the wrong project.",
        state=DisputeState.REFERRED,
        referral_note="Is the log's record enough?",
        referred_at=now(),
        referred_by_id=secretariat.id,
    )
    db.session.add(dispute)
    export = Export(kind=ExportKind.VOTES, round_id=voting_round.id, requested_by_id=secretariat.id)
    db.session.add(export)

    # The past edition: published, with a winner.
    past.results_published_at = now() - timedelta(days=100)
    winner = make_nomination(edition=past, status=NominationStatus.WINNER)
    db.session.add(
        Decision(
            edition_id=past.id,
            category_id=category.id,
            nomination_id=winner.id,
            outcome=DecisionOutcome.WINNER,
            rationale="The strongest results.",
            decided_by_id=secretariat.id,
            published_at=past.results_published_at,
        )
    )

    invitation = ExpertInvitation(
        edition_id=edition.id,
        email="invited.expert@example.org",
        email_canonical="invited.expert@example.org",
        category_ids=[category.id],
        invited_by_id=secretariat.id,
        expires_at=now() + timedelta(days=14),
    )
    db.session.add(invitation)
    db.session.flush()
    invitation_token = make_token(
        review.INVITE, invitation.id, review._invitation_state(invitation)
    )
    reset_token = make_token(accounts.RESET, voter.id, accounts._reset_state(voter))
    verify_token = make_token(
        accounts.VERIFY, unverified.id, accounts._verification_state(unverified)
    )
    email_change_token = accounts._email_serializer().dumps(
        {"id": voter.id, "email": "moved.voter@example.org", "fp": accounts._reset_state(voter)}
    )
    moment = now()
    failed_mail = OutgoingMail(
        message_id=make_msgid(domain="wsis-prizes"),
        recipient=voter.email,
        subject="Confirm your email address",
        body="A link that never arrived.",
        status=MailStatus.FAILED,
        created_at=moment,
        next_attempt_at=moment,
        attempts=6,
        last_error="ConnectionRefusedError(111, 'Connection refused')",
    )
    db.session.add(failed_mail)
    db.session.commit()
    return Seeded(
        edition=edition,
        past_edition=past,
        category=category,
        other_category=other_category,
        criteria=criteria,
        secretariat=secretariat,
        owner=owner,
        other_stakeholder=other_stakeholder,
        voter=voter,
        other_voter=other_voter,
        unverified=unverified,
        expert=expert,
        recused_expert=recused_expert,
        unassigned_expert=unassigned_expert,
        entry=entry,
        private_entry=private_entry,
        draft=draft,
        submitted=submitted,
        shortlisted=shortlisted,
        other_shortlisted=other_shortlisted,
        ballot=ballot,
        voting_round=voting_round,
        vote=vote,
        other_vote=other_vote,
        flag=flag,
        dispute=dispute,
        export=export,
        failed_mail=failed_mail,
        invitation_token=invitation_token,
        reset_token=reset_token,
        verify_token=verify_token,
        email_change_token=email_change_token,
    )


def url_values(seeded: Seeded) -> dict[str, object]:
    """A real value for each URL argument name the app uses."""
    return {
        "user_id": seeded.voter.id,
        "edition_id": seeded.edition.id,
        "category_id": seeded.category.id,
        "nomination_id": seeded.submitted.id,
        "entry_id": seeded.entry.id,
        "round_id": seeded.voting_round.id,
        "position": 1,
        "flag_id": seeded.flag.id,
        "dispute_id": seeded.dispute.id,
        "export_id": seeded.export.id,
        "mail_id": seeded.failed_mail.id,
        "decision": "dismiss",
        "step": "answer",
        "year": seeded.past_edition.year,
        "kind": "csv",
        "stage_name": "selection",
        "expert_id": seeded.expert.id,
        "token": seeded.invitation_token,
        "filename": "css/site.css",
        "run_id": 1,  # an import run: none in the seeded contest, so a 404 (still a GET)
    }
