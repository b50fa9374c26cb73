"""Signing out ends the session on the server: copies of the cookies taken before sign-out
(the session's and the remember-me one) open nothing and cast no vote afterwards."""

from __future__ import annotations

from sqlalchemy import func, select

from prizes.voting.models import Vote
from tests.conftest import PASSWORD


def _votes(db) -> int:
    return db.scalar(select(func.count(Vote.id)))


def test_cookies_copied_before_sign_out_open_nothing_and_cast_no_vote(app, client, db, contest):
    client.post_form(
        "/login", {"email": contest.voter.email, "password": PASSWORD, "remember": "y"}
    )
    assert client.get("/account").status_code == 200
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    assert client.post_form("/logout").status_code == 302
    assert client.get("/account").status_code == 302

    vote_url = f"/vote/{contest.voting_round.id}/1"
    choice = {"nomination": contest.ballot[4][0].id}
    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        replay = app.test_client()
        replay.set_cookie(name, value)
        account = replay.get("/account")
        assert account.status_code == 302 and "/login" in account.location, name
        replay.set_cookie(name, value)  # as the copy was taken, whatever the answer rewrote
        vote = replay.post_form(vote_url, choice)
        assert vote.status_code in (302, 401) and "/login" in (vote.location or "/login"), name
        assert _votes(db) == 0, name


def test_signing_in_again_after_sign_out_works(client, db, contest):
    client.login(contest.voter.email)
    client.post_form("/logout")
    client.login(contest.voter.email)
    assert client.get("/account").status_code == 200
    response = client.post_form(
        f"/vote/{contest.voting_round.id}/1", {"nomination": contest.ballot[4][0].id}
    )
    assert response.status_code == 302 and _votes(db) == 1
