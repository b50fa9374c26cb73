"""The edition's timeline, enforced in the services: each step that moves an edition on
refuses, naming what is missing, until its preconditions and its date are met; acting
early or moving a date that has come is an override with a reason, audited and shown on
the edition's timeline page. And the contest's rules that hang on the timeline: one
project per category per submitting entity, a nominated list that is private until its
one announcement, champions announced before the winners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from prizes.accounts.models import Role
from prizes.contest import services as editions
from prizes.contest.fields import EditionFields
from prizes.contest.models import TimelineOverride
from prizes.contest.timeline import TimelineRefused
from prizes.core.audit import AuditEvent
from prizes.core.clock import geneva_deadline, in_geneva, now
from prizes.db import db as database
from prizes.nominations import services as nominations
from prizes.nominations.models import NominationStatus
from prizes.review import decisions
from prizes.voting import rounds
from tests.factories import (
    complete_fields,
    get_category,
    make_edition,
    make_entry,
    make_nomination,
    make_round,
    make_user,
)


def _secretariat():
    return make_user(roles=(Role.SECRETARIAT,))


def _unannounced(edition):
    edition.nominated_list_announced_at = None
    return edition


def _new_round(edition, *, opens=None, closes=None):
    opens = opens or now()
    return rounds.create_round(
        edition,
        title="Online voting",
        opens_at=opens,
        closes_at=closes or opens + timedelta(days=20),
        requires_complete_ballot=False,
        public_tally=False,
        by=_secretariat(),
    )


# --- opening a round ------------------------------------------------------------------------


def test_a_round_cannot_open_while_submissions_are_open_or_before_the_announcement(db):
    edition = make_edition()  # submissions open now
    make_nomination(edition=edition)
    _unannounced(edition)
    with pytest.raises(TimelineRefused, match="Announce the nominated list"):
        _new_round(edition)
    edition.nominated_list_announced_at = now()
    with pytest.raises(TimelineRefused, match="opens after the nominated list is announced"):
        _new_round(edition, opens=now() - timedelta(days=1))
    with pytest.raises(TimelineRefused, match="before the end of the selection"):
        _new_round(edition, closes=edition.selection_closes_at + timedelta(days=1))
    assert _new_round(edition).number == 1


def test_rounds_take_the_editions_shortlist_per_category(db):
    edition = make_edition()
    edition.shortlist_size = 3
    make_nomination(edition=edition)
    voting_round = _new_round(edition)
    assert voting_round.shortlist_size == 3
    edition.shortlist_size = 2  # changed before the round ends: the round follows it
    voting_round.closes_at = now()
    rounds.advance_round(voting_round, by=_secretariat(), now=now())
    assert voting_round.shortlist_size == 2


# --- the nominated list ---------------------------------------------------------------------


def test_the_nominated_list_waits_for_the_deadline_and_the_review(db):
    admin = _secretariat()
    edition = make_edition()
    waiting = make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    make_nomination(edition=edition)
    _unannounced(edition)
    with pytest.raises(TimelineRefused) as refused:
        nominations.announce_nominated_list(edition, by=admin, now=now(), reason="Early")
    assert "Submissions are open until" in str(refused.value)
    assert "1 submitted nominations still wait" in str(refused.value)
    after_review = edition.review_closes_at + timedelta(hours=1)
    waiting.status = NominationStatus.NOMINATED
    assert nominations.announce_nominated_list(edition, by=admin, now=after_review) == 2
    assert edition.nominated_list_announced_at == after_review
    with pytest.raises(TimelineRefused, match="already announced"):
        nominations.announce_nominated_list(edition, by=admin, now=after_review)


def test_announcing_the_nominated_list_early_is_an_audited_override(db):
    admin = _secretariat()
    edition = make_edition(start=now() - timedelta(days=70))  # submissions closed, in review
    make_nomination(edition=edition)
    _unannounced(edition)
    with pytest.raises(TimelineRefused, match="needs an override with a reason"):
        nominations.announce_nominated_list(edition, by=admin, now=now())
    nominations.announce_nominated_list(edition, by=admin, now=now(), reason="Forum moved")
    override = db.scalar(select(TimelineOverride).where(TimelineOverride.edition_id == edition.id))
    assert override.step == "announce_nominated_list" and override.reason == "Forum moved"
    assert override.due_at == edition.review_closes_at and override.by_id == admin.id
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "timeline.override"))


def test_the_review_is_closed_once_the_list_is_announced(db):
    edition = make_edition(start=now() - timedelta(days=70))
    nomination = make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    edition.nominated_list_announced_at = now()
    with pytest.raises(nominations.NotEditable, match="announced"):
        nominations.review_nomination(
            nomination,
            outcome=NominationStatus.NOMINATED,
            reason=None,
            by=_secretariat(),
            now=now(),
        )


def test_nominated_projects_stay_private_until_the_announcement(client, db, login_as):
    edition = make_edition(start=now() - timedelta(days=70))
    nomination = make_nomination(edition=edition)
    _unannounced(edition)
    nominator = nomination.nominator
    db.commit()
    title = nomination.entry.title
    assert title not in client.get(f"/editions/{edition.year}/nominated").get_data(as_text=True)
    assert client.get(f"/nominations/{nomination.id}").status_code == 404
    link = f"/nominations/{nomination.id}"
    assert link not in client.get(f"/projects/{nomination.entry_id}").get_data(as_text=True)
    client.login(nominator.email)
    assert client.get(f"/nominations/{nomination.id}").status_code == 200  # their own
    client.post_form("/logout")
    login_as("secretariat")
    page = client.post_form(
        f"/admin/editions/{edition.id}/nominated-list/announce", {"reason": "Forum moved"}
    )
    assert page.status_code == 302
    client.post_form("/logout")
    assert title in client.get(f"/editions/{edition.year}/nominated").get_data(as_text=True)
    assert client.get(f"/nominations/{nomination.id}").status_code == 200


# --- closing a round early ------------------------------------------------------------------


def test_a_round_closes_early_only_with_a_reason(db):
    admin = _secretariat()
    edition = make_edition()
    voting_round = make_round(edition=edition, nominations=[make_nomination(edition=edition)])
    due = voting_round.closes_at
    with pytest.raises(TimelineRefused, match="closing it early needs a reason"):
        rounds.close_round_early(voting_round, by=admin, now=now(), reason=" ")
    moment = now()
    rounds.close_round_early(voting_round, by=admin, now=moment, reason="A script attack")
    assert voting_round.closes_at == moment and not voting_round.is_open(moment)
    override = db.scalar(select(TimelineOverride).where(TimelineOverride.edition_id == edition.id))
    assert (override.step, override.due_at, override.detail["round_id"]) == (
        "close_round",
        due,
        voting_round.id,
    )
    rounds.advance_round(voting_round, by=admin, now=moment)
    with pytest.raises(TimelineRefused, match="already advanced"):
        rounds.close_round_early(voting_round, by=admin, now=moment, reason="Again")


def test_the_secretariat_closes_a_round_early_on_its_page(client, db, login_as):
    edition = make_edition()
    voting_round = make_round(edition=edition, nominations=[make_nomination(edition=edition)])
    db.commit()
    login_as("secretariat")
    page = client.get(f"/admin/rounds/{voting_round.id}").get_data(as_text=True)
    assert "Close the round early" in page
    url = f"/admin/rounds/{voting_round.id}/close"
    assert client.post_form(url, {"reason": ""}).status_code == 422
    assert client.post_form(url, {"reason": "Bulk script overnight"}).status_code == 302
    db.expire_all()
    assert voting_round.closes_at <= now()
    timeline = client.get(f"/admin/editions/{edition.id}/timeline").get_data(as_text=True)
    assert "Bulk script overnight" in timeline and "Close a voting round early" in timeline


# --- decisions, champions, winners ----------------------------------------------------------


def _shortlisted(edition, count=2):
    return [
        make_nomination(edition=edition, status=NominationStatus.SHORTLISTED) for _ in range(count)
    ]


def _decide(edition, winner):
    return decisions.record_decision(
        edition,
        get_category(4),
        winner_ids=[winner.id],
        rationale="Strong",
        deviation_reason="No scores in this test",
        override_reason=None,
        by=_secretariat(),
        now=now(),
    )


def test_decisions_and_champions_wait_for_the_vote(db):
    edition = make_edition()  # submissions still open
    shortlist = _shortlisted(edition)
    with pytest.raises(TimelineRefused, match="No voting round"):
        _decide(edition, shortlist[0])
    with pytest.raises(TimelineRefused, match="No voting round"):
        decisions.announce_champions(edition, by=_secretariat(), now=now())
    voting_round = make_round(edition=edition, nominations=shortlist)
    with pytest.raises(TimelineRefused, match="advance round 1"):
        _decide(edition, shortlist[0])
    voting_round.finalised_at = now()
    assert len(_decide(edition, shortlist[0])) == 2


def test_champions_are_announced_before_the_winners_and_publication_waits(db, outbox):
    admin = _secretariat()
    edition = make_edition()
    shortlist = _shortlisted(edition)
    make_round(edition=edition, nominations=shortlist).finalised_at = now()
    _decide(edition, shortlist[0])
    with pytest.raises(TimelineRefused, match="Announce the champions before the winners"):
        decisions.publish_results(edition, by=admin, now=edition.selection_closes_at)
    assert decisions.announce_champions(edition, by=admin, now=now()) == 2
    assert {n.status for n in shortlist} == {NominationStatus.CHAMPION}
    db.commit()
    told = [m["To"] for m in outbox() if "is a champion" in m["Subject"]]
    assert sorted(told) == sorted(n.nominator.email for n in shortlist)
    with pytest.raises(TimelineRefused, match="already announced"):
        decisions.announce_champions(edition, by=admin, now=now())
    with pytest.raises(TimelineRefused, match="voting is over"):
        _new_round(edition)
    with pytest.raises(TimelineRefused, match="needs an override with a reason"):
        decisions.publish_results(edition, by=admin, now=now())
    assert decisions.publish_results(edition, by=admin, now=edition.selection_closes_at) == 2
    assert [n.status for n in shortlist] == [NominationStatus.WINNER, NominationStatus.CHAMPION]
    assert (
        db.scalar(select(TimelineOverride).where(TimelineOverride.edition_id == edition.id)) is None
    )


def test_the_public_sees_the_champions_before_the_winners(client, db, login_as):
    edition = make_edition()
    shortlist = _shortlisted(edition)
    make_round(edition=edition, nominations=shortlist).finalised_at = now()
    db.commit()
    assert client.get(f"/editions/{edition.year}/results").status_code == 404
    login_as("secretariat")
    announced = client.post_form(f"/admin/editions/{edition.id}/champions/announce")
    assert announced.status_code == 302
    client.post_form("/logout")
    page = client.get(f"/editions/{edition.year}/results").get_data(as_text=True)
    assert shortlist[0].entry.title in page and shortlist[1].entry.title in page
    assert "Winner" not in page
    assert client.get(f"/editions/{edition.year}/results.json").status_code == 404


# --- moving a date --------------------------------------------------------------------------


def _fields(edition, **days):
    dates = {
        name: in_geneva(getattr(edition, f"{name}_at")).date()
        for name in ("submission_opens", "submission_closes", "review_closes", "selection_closes")
    }
    dates.update(days)
    return EditionFields(year=edition.year, title=edition.title, **dates)


def _at_deadlines(edition):
    """The edition's dates as the form sets them: 23:00 Geneva time on their days."""
    for name in ("submission_opens", "submission_closes", "review_closes", "selection_closes"):
        day = in_geneva(getattr(edition, f"{name}_at")).date()
        setattr(edition, f"{name}_at", geneva_deadline(day))
    return edition


def test_moving_a_date_that_has_come_is_an_override_with_a_reason(db):
    admin = _secretariat()
    edition = _at_deadlines(make_edition())  # opened ten days ago
    later = in_geneva(edition.selection_closes_at).date() + timedelta(days=7)
    editions.update_edition(edition, _fields(edition, selection_closes=later), by=admin, now=now())
    assert db.scalar(select(TimelineOverride)) is None  # planning ahead is free
    earlier = in_geneva(edition.submission_opens_at).date() - timedelta(days=3)
    with pytest.raises(TimelineRefused, match="the opening of submissions"):
        editions.update_edition(
            edition, _fields(edition, submission_opens=earlier), by=admin, now=now()
        )
    editions.update_edition(
        edition,
        _fields(edition, submission_opens=earlier),
        by=admin,
        now=now(),
        reason="Opened early by mistake in the announcement",
    )
    override = db.scalar(select(TimelineOverride))
    assert override.step == "move_date" and override.detail["date"] == "submission_opens_at"


def test_submissions_never_reopen_after_the_announcement(db):
    edition = _at_deadlines(make_edition(start=now() - timedelta(days=70)))
    make_nomination(edition=edition)  # the list is announced
    reopened = in_geneva(now()).date() + timedelta(days=3)
    with pytest.raises(TimelineRefused, match="cannot open again"):
        editions.update_edition(
            edition,
            _fields(edition, submission_closes=reopened),
            by=_secretariat(),
            now=now(),
            reason="Late entries",
        )


def test_the_timeline_page_names_what_each_step_needs(client, db, login_as):
    edition = make_edition()
    make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    db.commit()
    login_as("secretariat")
    page = client.get(f"/admin/editions/{edition.id}/timeline").get_data(as_text=True)
    assert "Submissions are open until" in page
    assert "1 submitted nominations still wait" in page
    assert "No voting round has been held" in page
    assert "Announce the champions before the winners" in page
    refused = client.post_form(f"/admin/editions/{edition.id}/nominated-list/announce")
    assert refused.status_code == 302
    assert "Submissions are open until" in client.get(refused.location).get_data(as_text=True)


# --- one project per category per submitting entity -----------------------------------------


def _stakeholder_of(organisation):
    user = make_user(roles=(Role.STAKEHOLDER,))
    user.organisation_name = organisation
    database.session.flush()
    return user


def _submit(edition, nominator, category_number=4):
    category = get_category(category_number)
    entry = make_entry(action_lines=(category.action_line,))  # another organisation's project
    nomination = nominations.start_nomination(
        entry, edition=edition, category=category, by=nominator, now=now()
    )
    nominations.update_nomination(nomination, complete_fields(category), by=nominator, now=now())
    nominations.submit_nomination(nomination, by=nominator, now=now())
    return nomination


def test_each_entity_submits_one_project_per_category(db):
    edition = make_edition()
    first = _submit(edition, _stakeholder_of("Digital Futures Ltd"))
    colleague = _stakeholder_of("digital futures")  # the same entity, another account
    with pytest.raises(nominations.SubmitterAlreadyNominated):
        _submit(edition, colleague)
    assert _submit(edition, colleague, category_number=9).status == NominationStatus.SUBMITTED
    nominations.withdraw_nomination(first, by=first.nominator, now=now())
    assert _submit(edition, colleague).status == NominationStatus.SUBMITTED


def test_the_database_holds_the_submitting_entitys_one_place(db):
    edition = make_edition()
    make_nomination(edition=edition, submitter_key="acme")
    with pytest.raises(IntegrityError), db.begin_nested():
        make_nomination(edition=edition, submitter_key="acme")
    make_nomination(edition=edition, submitter_key="acme", status=NominationStatus.WITHDRAWN)
    make_nomination(edition=edition, submitter_key=None)  # made before the rule: never equal
    make_nomination(edition=edition, submitter_key=None)


def test_an_override_needs_a_reason_in_the_database(db):
    edition = make_edition()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(TimelineOverride(edition_id=edition.id, step="move_date", reason="  "))
        db.flush()
