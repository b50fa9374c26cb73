"""The dispute channel: who may open a dispute about what, its window, its states and mails,
the pages of each role, and the outcome in the round's transparency report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.errors import NotAllowed
from prizes.core.mail import OutgoingMail
from prizes.disputes import services
from prizes.disputes.models import Dispute, DisputeOutcome, DisputeState, DisputeSubject
from prizes.nominations.models import NominationStatus
from prizes.voting import integrity, rounds
from prizes.voting import services as voting
from tests.factories import make_nomination, make_user

STATEMENT = "My vote was invalidated, but I voted once, by hand."


@pytest.fixture
def admin(db):
    return make_user(roles=(Role.SECRETARIAT,))


@pytest.fixture
def expert(db):
    return make_user(roles=(Role.EXPERT,))


def _vote(db, contest, voter=None):
    nomination = contest.ballot[4][0]
    cast = voting.cast_vote(
        contest.voting_round.id,
        category=nomination.category_id,
        nomination_id=nomination.id,
        voter=voter or contest.voter,
        now=now(),
        client=voting.ClientTraits(),
    )
    from prizes.voting.models import Vote

    return db.get(Vote, cast.vote_id)


@pytest.fixture
def invalidated(db, contest, admin, outbox):
    """The contest's voter's vote, invalidated; the round closed an hour ago (so before the
    invalidation, whose mail is in the outbox)."""
    vote = _vote(db, contest)
    rounds.invalidate_votes([vote], by=admin, reason="Script", now=now())
    contest.voting_round.closes_at = now() - timedelta(hours=1)
    db.commit()
    return vote


def _audit(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_voter_disputes_an_invalidated_vote_within_the_window(db, contest, invalidated):
    moment = now()
    dispute = services.open_dispute(
        by=contest.voter, statement=STATEMENT, now=moment, vote=invalidated
    )
    assert (dispute.subject, dispute.state, dispute.round_id) == (
        DisputeSubject.VOTE,
        DisputeState.OPEN,
        contest.voting_round.id,
    )
    # Invalidated after the close: the window runs from the invalidation.
    assert dispute.deadline_at == invalidated.invalidated_at + timedelta(days=7)
    assert [e.object_id for e in _audit(db, "dispute.opened")] == [dispute.id]
    with pytest.raises(services.DisputeRefused, match="already have a dispute"):
        services.open_dispute(by=contest.voter, statement=STATEMENT, now=moment, vote=invalidated)


def test_the_voter_was_told_of_the_invalidation_with_a_way_to_dispute(
    db, contest, invalidated, outbox
):
    [mail] = [m for m in outbox() if m["To"] == contest.voter.email]
    body = mail.get_content()
    assert "invalidated" in mail["Subject"] and invalidated.receipt_code in body
    assert "secretariat" in body and "Script" not in body
    assert f"/disputes/new?vote={invalidated.id}" in body


def test_only_the_voter_disputes_a_vote_and_only_in_time(db, contest, invalidated):
    with pytest.raises(services.DisputeNotFound):
        services.open_dispute(by=make_user(), statement=STATEMENT, now=now(), vote=invalidated)
    late = invalidated.invalidated_at + timedelta(days=7, seconds=1)
    with pytest.raises(services.DisputeRefused, match="has passed"):
        services.open_dispute(by=contest.voter, statement=STATEMENT, now=late, vote=invalidated)
    contest.edition.dispute_window_days = 30  # the edition's setting
    assert services.open_dispute(by=contest.voter, statement=STATEMENT, now=late, vote=invalidated)
    with pytest.raises(services.DisputeRefused, match="10 characters"):
        services.open_dispute(by=contest.voter, statement="No.", now=now(), vote=invalidated)


def test_a_dispute_walks_its_states_and_the_opener_is_told(db, contest, invalidated, admin, expert):
    dispute = services.open_dispute(
        by=contest.voter, statement=STATEMENT, now=now(), vote=invalidated
    )
    with pytest.raises(services.DisputeRefused):
        services.close(dispute, by=admin, outcome=DisputeOutcome.UPHELD, now=now())
    with pytest.raises(services.DisputeRefused):
        services.add_opinion(dispute, by=expert, text="Too early", now=now())
    with pytest.raises(NotAllowed):
        services.refer(dispute, by=expert, note="Me?", now=now())
    services.refer(dispute, by=admin, note="Was the cadence human?", now=now())
    assert dispute.state == DisputeState.REFERRED
    with pytest.raises(NotAllowed):
        services.add_opinion(dispute, by=contest.voter, text="Mine", now=now())
    services.add_opinion(dispute, by=expert, text="The gaps look human.", now=now())
    with pytest.raises(services.DisputeRefused):
        services.refer(dispute, by=admin, note="Again", now=now())
    services.answer(dispute, by=admin, text="We reinstate nothing yet.", now=now())
    assert dispute.state == DisputeState.ANSWERED
    services.close(dispute, by=admin, outcome=DisputeOutcome.NOT_UPHELD, now=now())
    assert (dispute.state, dispute.outcome, dispute.closed_by_id) == (
        DisputeState.CLOSED,
        DisputeOutcome.NOT_UPHELD,
        admin.id,
    )
    with pytest.raises(services.DisputeRefused):
        services.answer(dispute, by=admin, text="More", now=now())
    actions = ["dispute.referred", "dispute.opinion", "dispute.answered", "dispute.closed"]
    assert [len(_audit(db, action)) for action in actions] == [1, 1, 1, 1]
    mails = db.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.recipient == contest.voter.email)
        .order_by(OutgoingMail.id)
    ).all()
    assert "answered" in mails[-2].subject and "We reinstate nothing yet." in mails[-2].body
    assert "closed" in mails[-1].subject and "Not upheld" in mails[-1].body
    # Closed, it no longer stands in the way of another dispute about the same vote.
    assert services.open_dispute(by=contest.voter, statement=STATEMENT, now=now(), vote=invalidated)


def test_nominations_and_results_are_disputed_once_a_step_is_taken(db, contest, admin):
    other = make_user()
    public = contest.ballot[4][1]
    contest.edition.nominated_list_announced_at = now() - timedelta(days=1)
    dispute = services.open_dispute(by=other, statement=STATEMENT, now=now(), nomination=public)
    assert (dispute.subject, dispute.round_id) == (
        DisputeSubject.NOMINATION,
        contest.voting_round.id,
    )
    draft = make_nomination(edition=contest.edition, status=NominationStatus.DRAFT)
    with pytest.raises(services.DisputeNotFound):
        services.open_dispute(by=other, statement=STATEMENT, now=now(), nomination=draft)
    with pytest.raises(services.DisputeRefused, match="not final"):
        services.open_dispute(
            by=other, statement=STATEMENT, now=now(), voting_round=contest.voting_round
        )
    contest.voting_round.closes_at = now() - timedelta(minutes=1)
    rounds.advance_round(contest.voting_round, by=admin, now=now())
    result = services.open_dispute(
        by=other, statement=STATEMENT, now=now(), voting_round=contest.voting_round
    )
    assert result.deadline_at == contest.voting_round.finalised_at + timedelta(days=7)
    with pytest.raises(services.DisputeNotFound):
        services.open_dispute(by=other, statement=STATEMENT, now=now())


# --- the pages ------------------------------------------------------------------------------


def test_the_voter_opens_a_dispute_from_the_page(client, db, contest, invalidated):
    client.login(contest.voter.email)
    mine = client.get("/vote/mine").get_data(as_text=True)
    assert f"/disputes/new?vote={invalidated.id}" in mine
    path = f"/disputes/new?vote={invalidated.id}"
    page = client.get(path)
    assert page.status_code == 200 and invalidated.receipt_code in page.get_data(as_text=True)
    assert client.post_form(path, {"statement": ""}).status_code == 422
    assert client.get("/disputes/new").status_code == 400
    assert client.get("/disputes/new?vote=abc").status_code == 400
    assert client.get(f"/disputes/new?vote={invalidated.id}&round=1").status_code == 400
    assert client.get("/disputes/new?vote=999999").status_code == 404
    assert client.post_form(path, {"statement": STATEMENT}).status_code == 302
    again = client.post_form(path, {"statement": STATEMENT})
    assert again.status_code == 409 and "already have a dispute" in again.get_data(as_text=True)
    listed = client.get("/disputes/mine").get_data(as_text=True)
    assert STATEMENT in listed


def test_another_persons_vote_cannot_be_disputed(client, db, contest, invalidated, login_as):
    login_as("voter")
    path = f"/disputes/new?vote={invalidated.id}"
    assert client.get(path).status_code == 404
    assert client.post_form(path, {"statement": STATEMENT}).status_code == 404
    assert db.scalar(select(Dispute)) is None
    assert STATEMENT not in client.get("/disputes/mine").get_data(as_text=True)


def test_the_secretariat_answers_refers_and_closes_and_experts_give_opinions(
    app, client, db, contest, invalidated, login_as
):
    dispute = services.open_dispute(
        by=contest.voter, statement=STATEMENT, now=now(), vote=invalidated
    )
    db.commit()
    login_as("secretariat")
    assert STATEMENT in client.get(f"/admin/disputes/{dispute.id}").get_data(as_text=True)
    assert str(dispute.id) in client.get("/admin/disputes/").get_data(as_text=True)
    base = f"/admin/disputes/{dispute.id}"
    assert client.post_form(f"{base}/refer", {"note": ""}).status_code == 422
    assert client.post_form(f"{base}/close", {"outcome": "upheld"}).status_code == 302  # refused
    assert client.post_form(f"{base}/refer", {"note": "Human or not?"}).status_code == 302
    assert client.get("/admin/disputes/999999").status_code == 404
    experts = app.test_client()
    expert = make_user(roles=(Role.EXPERT,))
    db.commit()
    experts.login(expert.email)
    page = experts.get("/review/disputes/").get_data(as_text=True)
    assert STATEMENT in page and "Human or not?" in page
    assert contest.voter.email not in page  # the experts do not learn who opened it
    opinion = f"/review/disputes/{dispute.id}/opinion"
    assert experts.post_form(opinion, {"text": ""}).status_code == 422
    assert experts.post_form(opinion, {"text": "Human, I think."}).status_code == 302
    assert client.post_form(f"{base}/answer", {"text": "Kept invalid."}).status_code == 302
    assert client.post_form(f"{base}/close", {"outcome": "maybe"}).status_code == 422
    assert client.post_form(f"{base}/close", {"outcome": "not_upheld"}).status_code == 302
    db.expire_all()
    stored = db.get(Dispute, dispute.id)
    assert (stored.state, stored.outcome) == (DisputeState.CLOSED, DisputeOutcome.NOT_UPHELD)
    assert [o.opinion for o in stored.opinions] == ["Human, I think."]
    # Once answered, the dispute is no longer on the experts' list, nor open to opinions.
    assert experts.post_form(opinion, {"text": "Late"}).status_code == 404


def test_the_transparency_report_lists_the_outcome_only(client, db, contest, invalidated, admin):
    dispute = services.open_dispute(
        by=contest.voter, statement=STATEMENT, now=now(), vote=invalidated
    )
    services.answer(dispute, by=admin, text="The private answer.", now=now())
    services.close(dispute, by=admin, outcome=DisputeOutcome.UPHELD, now=now())
    contest.voting_round.public_tally = True
    integrity.decide(
        contest.voting_round,
        invalidated.nomination_id,
        disqualify=False,
        reason=None,
        by=admin,
        now=now(),
    )
    rounds.advance_round(contest.voting_round, by=admin, now=now())
    contest.edition.results_published_at = now()
    contest.edition.champions_announced_at = now()
    db.commit()
    report = client.get(f"/transparency/rounds/{contest.voting_round.id}/report.json")
    assert report.status_code == 200, report.get_data(as_text=True)
    data = report.get_json()
    assert data["disputes"] == [
        {
            "number": dispute.id,
            "about": "vote",
            "state": "closed",
            "outcome": "upheld",
            "opened_on": dispute.opened_at.date().isoformat(),
            "closed_on": dispute.closed_at.date().isoformat(),
        }
    ]
    # 1 vote of 1 invalidated: over the threshold; the secretariat kept it.
    assert [r["decision"] for r in data["integrity_reviews"]] == ["kept"]
    page = client.get(f"/transparency/rounds/{contest.voting_round.id}/report")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Upheld" in text
    for private in (
        STATEMENT,
        "The private answer.",
        contest.voter.email,
        invalidated.receipt_code,
    ):
        assert private not in text and private not in report.get_data(as_text=True)
