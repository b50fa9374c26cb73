"""The proof of work on votes: a round's setting the secretariat sets and changes, and the
one check the vote POST calls (prizes.core.proof_of_work.require_solution)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from prizes.core.audit import AuditEvent
from prizes.core.clock import in_geneva, now
from prizes.core.errors import DomainError
from prizes.core.proof_of_work import require_solution
from prizes.voting.models import Vote, VotingRound
from tests.factories import make_edition, make_nomination


def test_a_round_is_set_up_with_or_without_the_proof_of_work(client, db, login_as):
    login_as("secretariat")
    for checked in (True, False):
        edition = make_edition()
        make_nomination(edition=edition)
        db.commit()
        # Inside the edition's dates: after the nominated list, before the selection ends.
        opens = in_geneva(now() + timedelta(days=1))
        closes = in_geneva(edition.selection_closes_at - timedelta(days=1))
        form = {
            "title": "Online voting",
            "opens_at": f"{opens:%Y-%m-%dT%H:%M}",
            "closes_at": f"{closes:%Y-%m-%dT%H:%M}",
        }
        if checked:
            form["requires_proof_of_work"] = "y"
        response = client.post_form(f"/admin/rounds/new/{edition.id}", form)
        assert response.status_code == 302, response.get_data(as_text=True)
        voting_round = db.scalar(select(VotingRound).where(VotingRound.edition_id == edition.id))
        assert voting_round.requires_proof_of_work is checked
    assert "Ask a proof of work with every vote" in client.get(
        f"/admin/rounds/new/{edition.id}"
    ).get_data(as_text=True)


def test_the_secretariat_turns_it_on_and_off_while_the_round_runs(client, db, contest, login_as):
    voting_round = contest.voting_round
    url = f"/admin/rounds/{voting_round.id}"
    assert voting_round.requires_proof_of_work is False
    login_as("secretariat")
    assert "Off: votes ask no proof of work" in client.get(url).get_data(as_text=True)

    response = client.post_form(f"{url}/proof-of-work", {"required": "on"})
    assert response.status_code == 302 and response.location == url
    db.refresh(voting_round)
    assert voting_round.requires_proof_of_work is True
    page = client.get(url).get_data(as_text=True)
    assert "On: every vote asks" in page and "Turn it off" in page

    client.post_form(f"{url}/proof-of-work", {"required": "off"})
    db.refresh(voting_round)
    assert voting_round.requires_proof_of_work is False
    events = db.scalars(
        select(AuditEvent.data).where(AuditEvent.action == "round.proof_of_work")
    ).all()
    assert [event["required"] for event in events] == [True, False]


def test_only_the_secretariat_may_switch_it_and_only_to_on_or_off(client, db, contest, login_as):
    url = f"/admin/rounds/{contest.voting_round.id}/proof-of-work"
    login_as("voter")
    assert client.post_form(url, {"required": "on"}).status_code == 403
    client.post_form("/logout")
    login_as("secretariat")
    assert client.post_form(url, {"required": "maybe"}).status_code == 400
    assert client.post_form(url).status_code == 400
    assert (
        client.post_form("/admin/rounds/999999/proof-of-work", {"required": "on"}).status_code
        == 404
    )
    db.refresh(contest.voting_round)
    assert contest.voting_round.requires_proof_of_work is False


def test_the_vote_check_refuses_a_missing_or_reused_solution_as_a_domain_error(client, db):
    """What the vote POST does when its round asks for it: a DomainError (422) with a
    message for the voter, before any vote is written."""
    with pytest.raises(DomainError) as missing:
        require_solution(None)
    assert missing.value.status_code == 422
    assert "needs JavaScript" in missing.value.message
    payload = client.proof_of_work()
    require_solution(payload)
    with pytest.raises(DomainError, match="already used"):
        require_solution(payload)


def test_a_round_that_asks_it_takes_a_vote_only_with_a_fresh_solution(client, db, contest):
    contest.voting_round.requires_proof_of_work = True
    db.commit()
    client.login(contest.voter.email)
    url = f"/vote/{contest.voting_round.id}"
    choice = {"nomination": contest.ballot[4][0].id}
    # The widget is on the confirmation step, whose form is the one that casts the vote.
    assert "altcha-widget" not in client.get(f"{url}/1").get_data(as_text=True)
    page = client.post_form(f"{url}/1/confirm", choice).get_data(as_text=True)
    assert "altcha-widget" in page and "proof-of-work.js" in page

    missing = client.post_form(f"{url}/1", choice)
    assert missing.status_code == 422 and "needs JavaScript" in missing.get_data(as_text=True)
    assert _votes(db, contest) == 0

    payload = client.proof_of_work()
    assert client.post_form(f"{url}/1", choice | {"altcha": payload}).status_code == 302
    reused = client.post_form(
        f"{url}/2", {"nomination": contest.ballot[9][0].id, "altcha": payload}
    )
    assert reused.status_code == 422 and "already used" in reused.get_data(as_text=True)
    assert _votes(db, contest) == 1


def test_a_round_that_does_not_ask_it_needs_no_solution(client, db, contest):
    client.login(contest.voter.email)
    page = client.get(f"/vote/{contest.voting_round.id}/1").get_data(as_text=True)
    assert "altcha-widget" not in page
    choice = {"nomination": contest.ballot[4][0].id}
    confirm = client.post_form(f"/vote/{contest.voting_round.id}/1/confirm", choice)
    assert "altcha-widget" not in confirm.get_data(as_text=True)
    assert client.post_form(f"/vote/{contest.voting_round.id}/1", choice).status_code == 302
    assert _votes(db, contest) == 1


def _votes(db, contest) -> int:
    return db.scalar(
        select(func.count()).select_from(Vote).where(Vote.round_id == contest.voting_round.id)
    )
