"""The contest's submission rules and the review, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.errors import NotAllowed
from prizes.core.vocabulary import ActionLine
from prizes.nominations import rules, services
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review.models import ConflictDeclaration, ExpertAssignment
from prizes.stocktaking.models import EntryStatus
from tests.factories import (
    complete_fields,
    get_category,
    make_edition,
    make_entry,
    make_nomination,
    make_user,
    words,
)


@pytest.fixture
def edition(db):
    return make_edition()


@pytest.fixture
def nominator(db):
    return make_user(roles=(Role.STAKEHOLDER,))


def _draft(edition, nominator, entry=None, category_number=4):
    entry = entry or make_entry()
    return services.start_nomination(
        entry, edition=edition, category=get_category(category_number), by=nominator, now=now()
    )


def _submitted(edition, nominator, entry=None, category_number=4):
    nomination = _draft(edition, nominator, entry, category_number)
    services.update_nomination(
        nomination, complete_fields(get_category(category_number)), by=nominator, now=now()
    )
    services.submit_nomination(nomination, by=nominator, now=now())
    return nomination


def test_a_complete_nomination_is_submitted_and_audited(db, edition, nominator):
    nomination = _submitted(edition, nominator)
    assert nomination.status == NominationStatus.SUBMITTED
    assert nomination.submitted_at is not None
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == nomination.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["nomination.started", "nomination.updated", "nomination.submitted"]


def test_the_nominator_need_not_own_the_entry(db, edition, nominator):
    owner = make_user()
    nomination = _submitted(edition, nominator, entry=make_entry(owner=owner))
    assert nomination.nominator_id == nominator.id != owner.id


def test_the_category_must_match_an_action_line_of_the_entry(db, edition, nominator):
    entry = make_entry(action_lines=(ActionLine.C4,))
    with pytest.raises(services.CategoryMismatch):
        _draft(edition, nominator, entry, category_number=10)  # e-health is C7
    nomination = _draft(edition, nominator, entry, category_number=4)
    with pytest.raises(services.CategoryMismatch):
        services.update_nomination(
            nomination, complete_fields(get_category(10)), by=nominator, now=now()
        )


def test_the_same_entry_only_once_per_edition(db, edition, nominator):
    entry = make_entry(action_lines=(ActionLine.C4, ActionLine.C7))
    _submitted(edition, nominator, entry, 4)
    with pytest.raises(services.AlreadyNominated):
        _draft(edition, make_user(roles=(Role.STAKEHOLDER,)), entry, 9)


def test_a_draft_does_not_keep_others_from_nominating_the_project(db, edition, nominator):
    entry = make_entry()
    squatter = make_user(roles=(Role.STAKEHOLDER,))
    squatted = _draft(edition, squatter, entry)
    _submitted(edition, nominator, entry)
    services.update_nomination(squatted, complete_fields(get_category(4)), by=squatter, now=now())
    with pytest.raises((services.AlreadyNominated, services.Incomplete)):
        services.submit_nomination(squatted, by=squatter, now=now())


def test_unpublished_entries_cannot_be_nominated(db, edition, nominator):
    entry = make_entry()
    entry.status = EntryStatus.DRAFT
    with pytest.raises(services.NotEligible):
        _draft(edition, nominator, entry)


def test_moving_a_submitted_nomination_onto_a_taken_place_is_refused(db, edition, nominator):
    _submitted(
        edition, nominator, make_entry(organisation="Same Org", action_lines=(ActionLine.C7,)), 9
    )
    moving = _submitted(
        edition, nominator, make_entry(organisation="Same Org", action_lines=(ActionLine.C7,)), 10
    )
    # The same nominator and the same project organisation: either rule refuses it.
    with pytest.raises((services.OrganisationAlreadyNominated, services.SubmitterAlreadyNominated)):
        services.update_nomination(
            moving, complete_fields(get_category(9)), by=nominator, now=now()
        )


def test_one_nomination_per_organisation_per_category(db, edition, nominator):
    _submitted(edition, nominator, entry=make_entry(organisation="Digital Futures Ltd"))
    second = _draft(edition, nominator, entry=make_entry(organisation="digital futures"))
    services.update_nomination(second, complete_fields(get_category(4)), by=nominator, now=now())
    with pytest.raises(services.Incomplete) as refused:
        services.submit_nomination(second, by=nominator, now=now())
    assert "already has a nomination in this category" in str(refused.value)
    # Another category is fine.
    other = _draft(
        edition,
        nominator,
        entry=make_entry(organisation="Digital Futures", action_lines=(ActionLine.C7,)),
        category_number=9,
    )
    services.update_nomination(other, complete_fields(get_category(9)), by=nominator, now=now())
    services.submit_nomination(other, by=nominator, now=now())


def test_a_past_winner_is_not_eligible(db, nominator):
    past = make_edition(year=2020, start=now() - timedelta(days=2000))
    entry = make_entry()
    make_nomination(edition=past, entry=entry, status=NominationStatus.WINNER)
    current = make_edition(year=2027)
    with pytest.raises(services.PastWinner):
        _draft(current, nominator, entry)
    # The same project entered again under a new entry is caught by organisation and title.
    copy = make_entry(organisation=entry.organisation, title=entry.title.upper())
    nomination = Nomination(
        edition=current,
        category=get_category(4),
        entry=copy,
        nominator_id=nominator.id,
        organisation_key=copy.organisation_key,
    )
    db.add(nomination)
    db.flush()
    assert not rules.not_a_past_winner(nomination).passed


@pytest.mark.parametrize("count", [120, 149, 201, 250])
def test_short_descriptions_outside_150_to_200_words_are_refused(db, edition, nominator, count):
    nomination = _draft(edition, nominator)
    services.update_nomination(
        nomination,
        complete_fields(get_category(4), short_description=words(count)),
        by=nominator,
        now=now(),
    )
    with pytest.raises(services.Incomplete) as refused:
        services.submit_nomination(nomination, by=nominator, now=now())
    assert f"has {count} words" in str(refused.value)
    assert nomination.status == NominationStatus.DRAFT


@pytest.mark.parametrize("count", [150, 200])
def test_150_and_200_words_are_accepted(db, edition, nominator, count):
    nomination = _draft(edition, nominator)
    services.update_nomination(
        nomination,
        complete_fields(get_category(4), short_description=words(count)),
        by=nominator,
        now=now(),
    )
    services.submit_nomination(nomination, by=nominator, now=now())


def test_an_incomplete_form_cannot_be_submitted(db, edition, nominator):
    nomination = _draft(edition, nominator)
    services.update_nomination(
        nomination,
        complete_fields(get_category(4), impact="", sdg_linkages={}, link=None),
        by=nominator,
        now=now(),
    )
    with pytest.raises(services.Incomplete) as refused:
        services.submit_nomination(nomination, by=nominator, now=now())
    assert "impact" in str(refused.value) and "SDG" in str(refused.value)


def test_nothing_changes_after_the_deadline(db, nominator):
    edition = make_edition(start=now() - timedelta(days=30))
    nomination = _submitted(edition, nominator)
    after = edition.submission_closes_at + timedelta(seconds=1)
    with pytest.raises(services.SubmissionClosed):
        services.update_nomination(
            nomination, complete_fields(get_category(4), impact="late"), by=nominator, now=after
        )
    with pytest.raises(services.SubmissionClosed):
        services.withdraw_nomination(nomination, by=nominator, now=after)
    assert nomination.status == NominationStatus.SUBMITTED
    with pytest.raises(services.SubmissionClosed):
        services.start_nomination(
            make_entry(), edition=edition, category=get_category(4), by=nominator, now=after
        )


def test_only_the_nominator_edits(db, edition, nominator):
    nomination = _draft(edition, nominator)
    with pytest.raises(NotAllowed):
        services.update_nomination(
            nomination, complete_fields(get_category(4)), by=make_user(), now=now()
        )


def test_withdrawing_frees_the_place(db, edition, nominator):
    entry = make_entry()
    nomination = _submitted(edition, nominator, entry)
    services.withdraw_nomination(nomination, by=nominator, now=now())
    assert nomination.status == NominationStatus.WITHDRAWN
    again = _submitted(edition, make_user(roles=(Role.STAKEHOLDER,)), entry)
    assert again.id != nomination.id and again.status == NominationStatus.SUBMITTED


def test_nobody_reviews_their_own_or_a_conflicted_nomination(db, edition):
    secretary = make_user(roles=(Role.SECRETARIAT, Role.STAKEHOLDER))
    own = _submitted(edition, secretary)
    assert not services.can_review(secretary, own)
    expert = make_user(roles=(Role.EXPERT,))
    other = _submitted(edition, make_user(roles=(Role.STAKEHOLDER,)))
    db.add(
        ExpertAssignment(edition_id=edition.id, expert_id=expert.id, category_id=other.category_id)
    )
    db.flush()
    assert services.can_review(expert, other)
    db.add(
        ConflictDeclaration(
            expert_id=expert.id, nomination_id=other.id, has_conflict=True, reason="My employer"
        )
    )
    db.flush()
    assert not services.can_review(expert, other)
    with pytest.raises(NotAllowed):
        services.review_nomination(
            other, outcome=NominationStatus.NOMINATED, reason=None, by=expert, now=now()
        )


def test_secretariat_and_assigned_experts_review(db, edition, nominator, outbox):
    nomination = _submitted(edition, nominator)
    db.commit()
    stranger_expert = make_user(roles=(Role.EXPERT,))
    with pytest.raises(NotAllowed):
        services.review_nomination(
            nomination,
            outcome=NominationStatus.NOMINATED,
            reason=None,
            by=stranger_expert,
            now=now(),
        )
    expert = make_user(roles=(Role.EXPERT,))
    db.add(
        ExpertAssignment(
            edition_id=edition.id, expert_id=expert.id, category_id=nomination.category_id
        )
    )
    db.flush()
    services.review_nomination(
        nomination, outcome=NominationStatus.NOMINATED, reason=None, by=expert, now=now()
    )
    db.commit()
    assert nomination.status == NominationStatus.NOMINATED
    [message] = outbox()
    assert message["To"] == nominator.email and "It is nominated" in message.get_content()
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "nomination.nominated"))


def test_reject_and_return_need_a_reason(db, edition, nominator):
    secretariat = make_user(roles=(Role.SECRETARIAT,))
    nomination = _submitted(edition, nominator)
    for outcome in (NominationStatus.REJECTED, NominationStatus.RETURNED):
        with pytest.raises(services.ReasonRequired):
            services.review_nomination(
                nomination, outcome=outcome, reason="  ", by=secretariat, now=now()
            )
    services.review_nomination(
        nomination,
        outcome=NominationStatus.RETURNED,
        reason="Add numbers to the impact.",
        by=secretariat,
        now=now(),
    )
    assert nomination.status == NominationStatus.RETURNED
    # The nominator changes it and submits again.
    services.update_nomination(
        nomination,
        complete_fields(get_category(4), impact="Reached 12,000 farmers."),
        by=nominator,
        now=now(),
    )
    services.submit_nomination(nomination, by=nominator, now=now())
    services.review_nomination(
        nomination,
        outcome=NominationStatus.REJECTED,
        reason="Not an ICT project.",
        by=secretariat,
        now=now(),
    )
    assert nomination.status_reason == "Not an ICT project."
    with pytest.raises(services.NotEditable):
        services.review_nomination(
            nomination, outcome=NominationStatus.NOMINATED, reason=None, by=secretariat, now=now()
        )


def test_returning_after_the_deadline_is_refused(db, nominator):
    edition = make_edition(start=now() - timedelta(days=30))
    nomination = _submitted(edition, nominator)
    after = edition.submission_closes_at + timedelta(hours=1)
    secretariat = make_user(roles=(Role.SECRETARIAT,))
    with pytest.raises(services.ReturnAfterDeadline):
        services.review_nomination(
            nomination, outcome=NominationStatus.RETURNED, reason="More", by=secretariat, now=after
        )
    services.review_nomination(
        nomination, outcome=NominationStatus.NOMINATED, reason=None, by=secretariat, now=after
    )
