"""The expert group through its services: invitations, conflicts, scores, aggregation,
decisions and publication, on hand-worked numbers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.contest.timeline import TimelineRefused
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.errors import NotAllowed
from prizes.core.tokens import InvalidToken
from prizes.db import db
from prizes.nominations.models import NominationStatus
from prizes.review import aggregation, decisions, scoring, services
from prizes.review.models import ExpertAssignment, ReviewStage, RubricCriterion, ScoreStatus
from prizes.review.scoring import CriterionScore
from tests.factories import (
    get_category,
    make_edition,
    make_entry,
    make_nomination,
    make_round,
    make_user,
)


@pytest.fixture
def edition(db):
    edition = make_edition()
    for position, (name, weight) in enumerate((("Impact", 2.0), ("Replicability", 1.0)), start=1):
        db.add(RubricCriterion(edition_id=edition.id, position=position, name=name, weight=weight))
    db.flush()
    return edition


def _expert(edition, category_number=4):
    expert = make_user(roles=(Role.EXPERT,))
    db.session.add(
        ExpertAssignment(
            edition_id=edition.id, expert_id=expert.id, category_id=get_category(category_number).id
        )
    )
    db.session.flush()
    return expert


def _criteria(edition):
    return scoring.criteria_of(edition.id)


def _score(expert, nomination, values, stage=ReviewStage.SELECTION, submit=True):
    services.declare_conflict(
        expert, nomination, has_conflict=False, reason=None, now=now()
    ) if services.declaration_of(expert, nomination) is None else None
    criteria = _criteria(nomination.edition)
    answers = {c.id: CriterionScore(v) for c, v in zip(criteria, values, strict=True)}
    return scoring.save_scores(expert, nomination, stage, answers, submit=submit, now=now())


def test_an_invitation_gives_the_invited_mailbox_the_expert_role(db, edition, outbox):
    admin = make_user(roles=(Role.SECRETARIAT,))
    services.invite_expert(
        edition,
        email="Expert.One@Gmail.com",
        categories=[get_category(4), get_category(9)],
        by=admin,
        now=now(),
    )
    db.commit()
    [message] = outbox()
    token = re.search(r"/review/invitations/(\S+)", message.get_content()).group(1)
    stranger = make_user(email="someone@example.org")
    with pytest.raises(services.InvitationMismatch):
        services.accept_invitation(token, user=stranger, now=now())
    invited = make_user(email="expertone@gmail.com")
    services.accept_invitation(token, user=invited, now=now())
    db.commit()
    assert invited.has_role(Role.EXPERT)
    assigned = db.scalars(
        select(ExpertAssignment.category_id).where(ExpertAssignment.expert_id == invited.id)
    ).all()
    assert sorted(assigned) == [get_category(4).id, get_category(9).id]
    with pytest.raises(InvalidToken):  # works once
        services.accept_invitation(token, user=invited, now=now())


def test_conflicts_are_proposed_declared_and_recuse(db, edition):
    expert = _expert(edition)
    expert.organisation_name = "Green Data Lab"
    nomination = make_nomination(
        edition=edition,
        entry=make_entry(organisation="Green Data Lab Ltd"),
        status=NominationStatus.SHORTLISTED,
    )
    assert any(
        "organisation" in reason for reason in services.proposed_conflicts(expert, nomination)
    )
    with pytest.raises(services.ConflictNotDeclared):
        scoring.save_scores(expert, nomination, ReviewStage.SELECTION, {}, submit=False, now=now())
    with pytest.raises(services.BadScore):
        services.declare_conflict(expert, nomination, has_conflict=True, reason="", now=now())
    services.declare_conflict(
        expert, nomination, has_conflict=True, reason="I work there", now=now()
    )
    with pytest.raises(services.Recused):
        _score(expert, nomination, [8, 8])
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "expert.conflict_declared"))


def test_same_domain_and_same_country_proposals(db, edition):
    expert = _expert(edition)
    expert.email = "jo@ministry.example.gov"
    expert.country = "KE"
    nominator = make_user(email="pat@ministry.example.gov", roles=(Role.STAKEHOLDER,))
    nomination = make_nomination(
        edition=edition, nominator=nominator, entry=make_entry(country="KE")
    )
    reasons = services.proposed_conflicts(expert, nomination)
    assert len(reasons) == 1 and "domain" in reasons[0]
    edition.conflict_on_same_country = True
    assert len(services.proposed_conflicts(expert, nomination)) == 2
    free_mail_expert = _expert(edition)
    free_mail_expert.email = "x@gmail.com"
    nominator.email = "y@gmail.com"
    assert services.proposed_conflicts(free_mail_expert, nomination) == []


def test_scores_are_checked_saved_as_drafts_submitted_locked_and_reopened(db, edition):
    expert = _expert(edition)
    admin = make_user(roles=(Role.SECRETARIAT,))
    nomination = make_nomination(edition=edition, status=NominationStatus.SHORTLISTED)
    services.declare_conflict(expert, nomination, has_conflict=False, reason=None, now=now())
    criteria = _criteria(edition)
    with pytest.raises(services.BadScore):
        scoring.save_scores(
            expert,
            nomination,
            ReviewStage.SELECTION,
            {criteria[0].id: CriterionScore(11)},
            submit=False,
            now=now(),
        )
    with pytest.raises(services.BadScore):
        scoring.save_scores(
            expert,
            nomination,
            ReviewStage.SELECTION,
            {criteria[0].id: CriterionScore(7)},
            submit=True,
            now=now(),
        )
    scoring.save_scores(
        expert,
        nomination,
        ReviewStage.SELECTION,
        {criteria[0].id: CriterionScore(7)},
        submit=False,
        now=now(),
    )
    scores = _score(expert, nomination, [7, 9])
    assert {s.status for s in scores} == {ScoreStatus.SUBMITTED}
    with pytest.raises(services.ScoresLocked):
        _score(expert, nomination, [1, 1])
    with pytest.raises(NotAllowed):
        scoring.reopen_scores(
            expert, nomination, ReviewStage.SELECTION, by=expert, reason="oops", now=now()
        )
    assert (
        scoring.reopen_scores(
            expert, nomination, ReviewStage.SELECTION, by=admin, reason="Typo", now=now()
        )
        == 2
    )
    _score(expert, nomination, [6, 9])


def test_only_assigned_experts_score_nominations_in_the_stage(db, edition):
    expert = _expert(edition, category_number=9)
    nomination = make_nomination(edition=edition, status=NominationStatus.SHORTLISTED)
    with pytest.raises(services.NotAssigned):
        services.declare_conflict(expert, nomination, has_conflict=False, reason=None, now=now())
    assigned = _expert(edition)
    submitted = make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    services.declare_conflict(assigned, submitted, has_conflict=False, reason=None, now=now())
    with pytest.raises(services.WrongStage):
        scoring.save_scores(assigned, submitted, ReviewStage.SELECTION, {}, submit=False, now=now())


def test_aggregation_on_hand_worked_numbers(db, edition):
    """Weights 2 (impact) and 1 (replicability).

    harsh:   A (4, 1) -> 3.0    B (2, 2) -> 2.0    C (6, 3) -> 5.0     mean 3.333, sd 1.247
    lenient: A (9, 6) -> 8.0    B (10, 7) -> 9.0                       mean 8.5,   sd 0.5
    Raw means:  A 5.5, B 5.5, C 5.0  (A and B tie)
    z-scores:   harsh A -0.267 B -1.069 C 1.336; lenient A -1.0 B 1.0
    Normalised: A -0.634, B -0.035, C 1.336  ->  C, B, A
    """
    harsh, lenient = _expert(edition), _expert(edition)
    a, b, c = (
        make_nomination(edition=edition, status=NominationStatus.SHORTLISTED) for _ in range(3)
    )
    _score(harsh, a, [4, 1])
    _score(harsh, b, [2, 2])
    _score(harsh, c, [6, 3])
    _score(lenient, a, [9, 6])
    _score(lenient, b, [10, 7])
    raw = aggregation.aggregate(edition, [a.id, b.id, c.id], ReviewStage.SELECTION, normalise=False)
    assert [(r.nomination_id, round(r.mean, 3), r.rank) for r in raw] == [
        (a.id, 5.5, 1),
        (b.id, 5.5, 1),
        (c.id, 5.0, 3),
    ]
    assert raw[0].spread == pytest.approx(5.0)
    z = aggregation.aggregate(edition, [a.id, b.id, c.id], ReviewStage.SELECTION, normalise=True)
    assert [r.nomination_id for r in z] == [c.id, b.id, a.id]
    assert z[0].z_mean == pytest.approx(1.3363, abs=1e-3)
    assert z[1].z_mean == pytest.approx(-0.0345, abs=1e-3)
    assert z[2].z_mean == pytest.approx(-0.6336, abs=1e-3)


def test_completeness_lists_who_has_not_scored_what(db, edition):
    first, second, recused = _expert(edition), _expert(edition), _expert(edition)
    nomination = make_nomination(edition=edition, status=NominationStatus.SHORTLISTED)
    _score(first, nomination, [5, 5])
    services.declare_conflict(
        recused, nomination, has_conflict=True, reason="Former employer", now=now()
    )
    missing = aggregation.missing_scores(edition, get_category(4), ReviewStage.SELECTION)
    assert missing == [aggregation.MissingScore(second.id, nomination.id, nomination.category_id)]


def _shortlist_with_scores(edition, values):
    expert = _expert(edition)
    shortlist = [
        make_nomination(edition=edition, status=NominationStatus.SHORTLISTED) for _ in values
    ]
    for nomination, value in zip(shortlist, values, strict=True):
        _score(expert, nomination, [value, value])
    _vote_over(edition, shortlist)
    return expert, shortlist


def _vote_over(edition, shortlist):
    """The public vote of the edition, advanced: the selection may decide (the timeline)."""
    voting_round = make_round(edition=edition, nominations=shortlist)
    voting_round.opens_at, voting_round.closes_at = now() - timedelta(days=9), now()
    voting_round.finalised_at = now()
    db.session.flush()
    return voting_round


def test_the_decision_follows_the_proposal_or_says_why(db, edition):
    admin = make_user(roles=(Role.SECRETARIAT,))
    _, shortlist = _shortlist_with_scores(edition, [6, 9, 7])
    rows = decisions.proposal(edition, get_category(4))
    assert [r.nomination.id for r in rows] == [shortlist[1].id, shortlist[2].id, shortlist[0].id]
    decide = lambda winners, deviation=None: decisions.record_decision(  # noqa: E731
        edition,
        get_category(4),
        winner_ids=winners,
        rationale="Strongest impact",
        deviation_reason=deviation,
        override_reason=None,
        by=admin,
        now=now(),
    )
    with pytest.raises(decisions.DecisionRefused):
        decide([shortlist[0].id])  # not the proposed winner, no reason
    with pytest.raises(decisions.DecisionRefused):
        decide([shortlist[1].id, shortlist[2].id])  # two winners need a reason too
    with pytest.raises(decisions.DecisionRefused):
        decide([999_999], "Outside the shortlist")
    made = decide([shortlist[1].id])
    assert [d.outcome.value for d in sorted(made, key=lambda d: d.nomination_id)] == [
        "champion",
        "winner",
        "champion",
    ]
    assert len(decide([], "No project met the bar this year")) == 3  # no winner at all
    assert len(decide([shortlist[1].id, shortlist[2].id], "Two equally strong projects")) == 3


def test_the_tie_rule_uses_the_public_vote_then_shares_the_rank(db, edition):
    _, shortlist = _shortlist_with_scores(edition, [8, 8])
    rows = decisions.proposal(edition, get_category(4))
    assert [r.rank for r in rows] == [1, 1]  # equal scores, no votes: shared
    from prizes.voting.models import Vote, VotingRound

    voting_round = db.scalar(select(VotingRound).where(VotingRound.edition_id == edition.id))
    for index in range(3):
        db.add(
            Vote(
                round_id=voting_round.id,
                category_id=shortlist[1].category_id,
                nomination_id=shortlist[1].id,
                voter_id=make_user().id,
                receipt_code=f"TIE-{index}",
            )
        )
    db.flush()
    rows = decisions.proposal(edition, get_category(4))
    assert [(r.nomination.id, r.rank) for r in rows] == [(shortlist[1].id, 1), (shortlist[0].id, 2)]


def test_deciding_early_needs_a_reason(db, edition):
    admin = make_user(roles=(Role.SECRETARIAT,))
    _, shortlist = _shortlist_with_scores(edition, [9, 5])
    _expert(edition)  # a second expert who has not scored
    with pytest.raises(decisions.ScoresIncomplete):
        decisions.record_decision(
            edition,
            get_category(4),
            winner_ids=[shortlist[0].id],
            rationale="Best",
            deviation_reason=None,
            override_reason=None,
            by=admin,
            now=now(),
        )
    decisions.record_decision(
        edition,
        get_category(4),
        winner_ids=[shortlist[0].id],
        rationale="Best",
        deviation_reason=None,
        override_reason="The second expert withdrew",
        by=admin,
        now=now(),
    )


def test_publication_marks_outcomes_mails_nominators_and_locks(db, edition, outbox):
    admin = make_user(roles=(Role.SECRETARIAT,))
    _, shortlist = _shortlist_with_scores(edition, [9, 5])
    decisions.announce_champions(edition, by=admin, now=now())
    with pytest.raises(TimelineRefused, match="undecided: 4"):
        decisions.publish_results(edition, by=admin, now=now(), reason="Early")
    decisions.record_decision(
        edition,
        get_category(4),
        winner_ids=[shortlist[0].id],
        rationale="Best",
        deviation_reason=None,
        override_reason=None,
        by=admin,
        now=now(),
    )
    with pytest.raises(TimelineRefused, match="override with a reason"):
        decisions.publish_results(edition, by=admin, now=now())  # before the selection ends
    assert decisions.publish_results(edition, by=admin, now=now(), reason="Forum moved") == 2
    db.commit()
    assert [n.status for n in shortlist] == [NominationStatus.WINNER, NominationStatus.CHAMPION]
    assert len(outbox()) == 2
    with pytest.raises(decisions.DecisionsLocked):
        decisions.publish_results(edition, by=admin, now=now())
    with pytest.raises(decisions.DecisionsLocked):
        decisions.record_decision(
            edition,
            get_category(4),
            winner_ids=[shortlist[1].id],
            rationale="Change",
            deviation_reason="x",
            override_reason=None,
            by=admin,
            now=now(),
        )


def test_stage_one_nominates_the_top_n_and_tells_everyone(db, edition, outbox):
    admin = make_user(roles=(Role.SECRETARIAT,))
    expert = _expert(edition)
    submitted = [
        make_nomination(edition=edition, status=NominationStatus.SUBMITTED) for _ in range(3)
    ]
    for nomination, value in zip(submitted, [4, 9, 7], strict=True):
        _score(expert, nomination, [value, value], stage=ReviewStage.NOMINATION)
    with pytest.raises(decisions.DecisionRefused):
        decisions.apply_stage_one(edition, get_category(4), by=admin, now=now())
    edition.nominated_per_category = 2
    chosen = decisions.apply_stage_one(edition, get_category(4), by=admin, now=now())
    db.commit()
    assert chosen == [submitted[1].id, submitted[2].id]
    assert [n.status for n in submitted] == [
        NominationStatus.REJECTED,
        NominationStatus.NOMINATED,
        NominationStatus.NOMINATED,
    ]
    assert len(outbox()) == 3
