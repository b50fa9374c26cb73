"""The guided ballot, refusals, receipts, results and the secretariat's round screens."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from prizes.core.clock import now
from prizes.core.limits import limiter
from prizes.voting.models import Vote, VoteStatus
from tests.conftest import PASSWORD, redis_test_url, require_redis
from tests.factories import make_user

CACHE_URL = redis_test_url(13)


def _votes(db) -> int:
    return db.scalar(select(func.count(Vote.id)))


def _url(contest, position: int) -> str:
    return f"/vote/{contest.voting_round.id}/{position}"


def test_the_guided_ballot_walks_the_categories(client, db, contest, outbox):
    client.login(contest.voter.email, PASSWORD)
    assert client.get("/vote/").location == f"/vote/{contest.voting_round.id}/"
    overview = client.get(f"/vote/{contest.voting_round.id}/").get_data(as_text=True)
    assert "0 of 3 categories" in overview
    page = client.get(_url(contest, 1)).get_data(as_text=True)
    assert "Category 1 of 3" in page and "Skip this category" in page
    choice = contest.ballot[4][2]
    response = client.post_form(_url(contest, 1), {"nomination": choice.id})
    assert response.status_code == 302 and "Set-Cookie" not in response.headers
    following = client.get(response.location).location
    assert following == f"{_url(contest, 2)}?voted=1"
    # The next page confirms the vote with its receipt, as the database holds it.
    receipt = db.scalar(select(Vote.receipt_code).where(Vote.nomination_id == choice.id))
    confirmation = client.get(following).get_data(as_text=True)
    assert "is recorded. Receipt: " + receipt in confirmation
    assert "is recorded" not in client.get(f"{_url(contest, 2)}?voted=2").get_data(as_text=True)
    # Skip category 2, vote in 3, and the ballot sends the voter back to the one skipped.
    response = client.post_form(_url(contest, 3), {"nomination": contest.ballot[10][0].id})
    assert client.get(response.location).location == f"{_url(contest, 2)}?voted=3"
    response = client.post_form(_url(contest, 2), {"nomination": contest.ballot[9][1].id})
    overview = client.get(response.location).location
    assert overview == f"/vote/{contest.voting_round.id}/?voted=2"
    assert "is recorded. Receipt:" in client.get(overview).get_data(as_text=True)
    assert "3 of 3 categories" in client.get(f"/vote/{contest.voting_round.id}/").get_data(
        as_text=True
    )
    mine = client.get("/vote/mine").get_data(as_text=True)
    assert receipt in mine and choice.entry.title in mine
    assert client.post_form(f"/vote/{contest.voting_round.id}/finish").location == "/vote/mine"
    assert receipt in outbox()[0].get_content()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def test_a_vote_is_confirmed_before_it_is_stored(client, db, contest, count_queries):
    """Without JavaScript: the choice goes to a confirmation page that names the project
    and says a vote is final; only its "Confirm my vote" button, posting the same form,
    stores the vote, in one statement."""
    client.login(contest.voter.email, PASSWORD)
    category = client.get(_url(contest, 1)).get_data(as_text=True)
    assert f'action="{_url(contest, 1)}/confirm"' in category
    assert "A vote is final once cast" in category and "Cast my vote" in category
    choice = contest.ballot[4][2]
    step = client.post_form(f"{_url(contest, 1)}/confirm", {"nomination": choice.id})
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and _votes(db) == 0
    assert choice.entry.title in page and "A vote is final once cast" in page
    assert "Confirm my vote" in page and f'action="{_url(contest, 1)}"' in page
    assert f'{_url(contest, 1)}">' in page  # "Change my choice" goes back to the category
    # The page's own form, as a browser sends it: its token and the chosen project.
    fields = dict(_HIDDEN.findall(page))
    assert fields["nomination"] == str(choice.id) and fields["csrf_token"]
    with count_queries() as statements:
        cast = client.post(_url(contest, 1), data=fields)
    assert cast.status_code == 302
    assert [s for s in statements if s.lstrip().upper().startswith("INSERT")] == [
        next(s for s in statements if "INSERT INTO votes" in s)
    ]
    assert db.scalar(select(Vote.nomination_id)) == choice.id
    # Voted: the confirmation step of that category now leads to its page, which says so.
    again = client.post_form(f"{_url(contest, 1)}/confirm", {"nomination": choice.id})
    assert again.status_code == 302 and again.location == _url(contest, 1)
    assert _votes(db) == 1


def test_the_confirmation_step_refuses_what_is_not_on_the_ballot(client, db, contest):
    client.login(contest.voter.email, PASSWORD)
    confirm = f"{_url(contest, 1)}/confirm"
    for bad in ({}, {"nomination": contest.ballot[9][0].id}, {"nomination": "abc"}):
        response = client.post_form(confirm, bad)
        assert response.status_code == 422
        assert "Choose a project" in response.get_data(as_text=True)
    assert client.post_form(f"/vote/{contest.voting_round.id}/9/confirm", {}).status_code == 404
    assert client.post(confirm, data={"nomination": contest.ballot[4][0].id}).status_code == 400
    assert _votes(db) == 0


def test_a_closed_round_offers_no_confirmation(client, db, contest):
    contest.voting_round.closes_at = now() - timedelta(minutes=1)
    contest.voting_round.opens_at = now() - timedelta(days=3)
    db.commit()
    client.login(contest.voter.email, PASSWORD)
    response = client.post_form(
        f"{_url(contest, 1)}/confirm", {"nomination": contest.ballot[4][0].id}
    )
    assert response.status_code == 302 and response.location == _url(contest, 1)
    assert "not open" in client.get(response.location).get_data(as_text=True)


def test_refusals_say_why_and_change_nothing(app, client, db, contest):
    client.login(contest.voter.email, PASSWORD)
    other_category = contest.ballot[9][0]
    not_on_ballot = client.post_form(_url(contest, 1), {"nomination": other_category.id})
    assert not_on_ballot.status_code == 422
    no_choice = client.post_form(_url(contest, 1), {})
    assert no_choice.status_code == 422 and "Choose a project" in no_choice.get_data(as_text=True)
    assert client.get(_url(contest, 9)).status_code == 404
    choice = {"nomination": contest.ballot[4][0].id}
    assert client.post_form(_url(contest, 9), choice).status_code == 404
    assert client.post_form(_url(contest, 0), choice).status_code == 404
    for hostile in ("99999999999999999999", "-1", "abc", "1 OR 1=1"):
        assert client.post_form(_url(contest, 1), {"nomination": hostile}).status_code == 422
    no_token = client.post(_url(contest, 1), data={"nomination": contest.ballot[4][0].id})
    assert no_token.status_code == 400
    assert _votes(db) == 0

    assert (
        client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id}).status_code
        == 302
    )
    again = client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][1].id})
    assert again.status_code == 409  # e.g. a second tab: a clear refusal, never a 500
    assert "already voted" in again.get_data(as_text=True)
    assert _votes(db) == 1


def test_a_closed_round_refuses_votes(client, db, contest):
    contest.voting_round.closes_at = now() - timedelta(minutes=1)
    contest.voting_round.opens_at = now() - timedelta(days=3)
    db.commit()
    client.login(contest.voter.email, PASSWORD)
    page = client.get(_url(contest, 1)).get_data(as_text=True)
    assert "not open" in page
    response = client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id})
    assert response.status_code == 409
    assert _votes(db) == 0


def test_voters_without_verification_or_profile_are_sent_to_fix_it(client, db, contest):
    unverified = make_user(verified=False)
    no_profile = make_user(profile=False)
    db.commit()
    client.login(unverified.email)
    assert client.get(_url(contest, 1)).location == "/verify"
    assert (
        client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id}).location
        == "/verify"
    )
    client.post_form("/logout")
    client.login(no_profile.email)
    back_to = "/account?next=" + _url(contest, 1)
    assert (
        client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id}).location
        == back_to
    )
    assert client.get(_url(contest, 1)).location == back_to
    assert _votes(db) == 0
    client.post_form("/logout")
    assert "/login" in client.get(_url(contest, 1)).location


PROFILE = {"organisation_name": "ITU", "organisation_type": "civil_society", "country": "KE"}


def test_completing_the_profile_goes_back_to_the_ballot(client, db, contest):
    voter = make_user(profile=False)
    db.commit()
    client.login(voter.email)
    overview = f"/vote/{contest.voting_round.id}/?voted=2"
    to_profile = client.get(overview).location
    assert to_profile.startswith("/account?next=")
    page = client.get(to_profile)
    assert page.status_code == 200
    assert "Before voting, please tell us" in page.get_data(as_text=True)
    saved = client.post_form(to_profile, PROFILE)
    assert saved.status_code == 302 and saved.location == overview
    assert client.get(saved.location).status_code == 200  # the ballot, now open to them


def test_the_confirmation_step_also_leads_back_after_the_profile(client, db, contest):
    """The confirmation step is a POST without a page of its own: the way back is the
    category page the choice was sent from."""
    voter = make_user(profile=False)
    db.commit()
    client.login(voter.email)
    category = "http://localhost" + _url(contest, 1)
    refused = client.post_form(
        f"{_url(contest, 1)}/confirm",
        {"nomination": contest.ballot[4][0].id},
        headers={"Referer": category},
    )
    assert refused.location == "/account?next=" + _url(contest, 1)
    elsewhere = client.post_form(
        f"{_url(contest, 1)}/confirm",
        {"nomination": contest.ballot[4][0].id},
        headers={"Referer": "https://evil.example/vote/1/1"},
    )
    assert elsewhere.location == "/account"
    assert _votes(db) == 0


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/vote", "/\\evil.example", "javascript:1"]
)
def test_the_profile_never_sends_elsewhere(client, db, target) -> None:
    voter = make_user(profile=False)
    db.commit()
    client.login(voter.email)
    saved = client.post_form("/account", PROFILE, query_string={"next": target})
    assert saved.status_code == 302 and saved.location == "/account"


def test_a_stored_vote_is_one_statement_that_reads_no_user(client, db, contest, count_queries):
    client.login(contest.voter.email, PASSWORD)
    form = {
        "csrf_token": client.hidden_fields()["csrf_token"],
        "nomination": contest.ballot[4][0].id,
    }
    url = _url(contest, 1)
    with count_queries() as statements:
        response = client.post(url, data=form)
    assert response.status_code == 302
    sent = [s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(sent) == 1 and sent[0].lstrip().upper().startswith("INSERT INTO VOTES")
    assert _votes(db) == 1


def test_a_voter_signed_in_by_the_remember_me_cookie_alone_votes(client, db, contest, monkeypatch):
    # With limits on, the account's limit reads the user first (restoring the session);
    # without them the vote's own view must.
    monkeypatch.setattr(limiter, "enabled", False)
    client.post_form(
        "/login", {"email": contest.voter.email, "password": PASSWORD, "remember": "y"}
    )
    form = {
        "csrf_token": client.hidden_fields()["csrf_token"],
        "nomination": contest.ballot[4][0].id,
    }
    with client.session_transaction() as session:
        del session["_user_id"]  # as when the session ended and only the lasting cookie is left
    assert client.post(_url(contest, 1), data=form).status_code == 302
    assert _votes(db) == 1


@pytest.mark.parametrize("change", ["signed out everywhere", "disabled", "unverified"])
def test_a_session_whose_account_changed_cannot_vote(client, db, contest, change):
    """The session cookie names the voter; the vote's statement checks the account itself."""
    client.login(contest.voter.email, PASSWORD)
    if change == "signed out everywhere":
        contest.voter.session_version += 1
    elif change == "disabled":
        contest.voter.disabled_at = now()
    else:
        contest.voter.email_verified_at = None
    db.commit()
    response = client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id})
    assert response.status_code == 302
    assert response.location.startswith("/login" if change != "unverified" else "/verify")
    assert _votes(db) == 0


def test_own_organisation_is_refused_over_http(client, db, contest):
    contest.voter.organisation_name = contest.ballot[4][0].entry.organisation
    db.commit()
    client.login(contest.voter.email, PASSWORD)
    response = client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id})
    assert response.status_code == 403
    assert "own organisation" in response.get_data(as_text=True)
    assert _votes(db) == 0


def test_the_receipt_check(client, db, contest, login_as):
    client.login(contest.voter.email, PASSWORD)
    client.post_form(_url(contest, 1), {"nomination": contest.ballot[4][0].id})
    vote = db.scalar(select(Vote))
    client.post_form("/logout")
    counted = client.get(f"/vote/receipt?code={vote.receipt_code.lower()}").get_data(as_text=True)
    assert "counts in the tally" in counted and contest.ballot[4][0].entry.title in counted
    vote.status = VoteStatus.INVALIDATED
    vote.invalidated_at = now()
    vote.invalidation_reason = "network burst"
    db.commit()
    not_counted = client.get(f"/vote/receipt?code={vote.receipt_code}").get_data(as_text=True)
    assert "does not count" in not_counted and "network burst" not in not_counted
    assert "No vote has this receipt" in client.get(
        "/vote/receipt?code=AAAA-BBBB-CCCC-DDDD"
    ).get_data(as_text=True)
    assert client.get("/vote/receipt?code=x").status_code == 400


def test_results_are_private_until_published_with_the_editions_results(
    client, db, contest, login_as
):
    round_id = contest.voting_round.id
    assert client.get(f"/vote/rounds/{round_id}/results").status_code == 404
    assert client.get(f"/vote/rounds/{round_id}/results.csv").status_code == 404
    contest.voting_round.public_tally = True  # no live tally for the public any more
    db.commit()
    assert client.get(f"/vote/rounds/{round_id}/results").status_code == 404
    contest.voting_round.finalised_at = now()
    db.commit()
    assert client.get(f"/vote/rounds/{round_id}/results").status_code == 404
    contest.edition.results_published_at = now()
    db.commit()
    page = client.get(f"/vote/rounds/{round_id}/results").get_data(as_text=True)
    assert "<svg" in page and "<table" in page


def test_exports_and_formula_cells(client, db, contest, login_as):
    contest.ballot[4][0].entry.title = '=HYPERLINK("http://evil")'
    contest.voting_round.finalised_at = now()
    db.commit()
    login_as("secretariat")
    data = json.loads(client.get(f"/vote/rounds/{contest.voting_round.id}/results.json").data)
    assert len(data["results"]) == 12 and data["final"] is True
    text = client.get(f"/vote/rounds/{contest.voting_round.id}/results.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert any(row["project"].startswith("'=") for row in rows)


def test_the_secretariat_invalidates_and_advances(client, db, contest, login_as):
    voter_client_votes = []
    from prizes.voting import services

    for index in range(3):
        voter = make_user()
        voter_client_votes.append(
            services.cast_vote(
                contest.voting_round.id,
                category=contest.category_id(4),
                nomination_id=contest.ballot[4][index % 2].id,
                voter=voter,
                now=now(),
                client=services.ClientTraits(),
            )
        )
    db.commit()
    login_as("voter")
    assert client.get(f"/admin/rounds/{contest.voting_round.id}").status_code == 403
    client.post_form("/logout")
    login_as("secretariat")
    page = client.get(f"/admin/rounds/{contest.voting_round.id}").get_data(as_text=True)
    assert "3</strong> valid votes" in page.replace("\n", "")
    refused = client.post_form(
        f"/admin/rounds/{contest.voting_round.id}/invalidate", {"references": "", "reason": ""}
    )
    assert refused.status_code == 422
    codes = f"{voter_client_votes[0].receipt_code}, {voter_client_votes[1].vote_id}"
    done = client.post_form(
        f"/admin/rounds/{contest.voting_round.id}/invalidate",
        {"references": codes, "reason": "Bulk logins"},
    )
    assert done.status_code == 302
    assert db.scalar(select(func.count(Vote.id)).where(Vote.status == VoteStatus.INVALIDATED)) == 2
    early = client.post_form(f"/admin/rounds/{contest.voting_round.id}/advance")
    assert early.status_code == 302
    contest.voting_round.closes_at = now() - timedelta(seconds=1)
    contest.voting_round.opens_at = now() - timedelta(days=2)
    db.commit()
    # Half the votes of both nominees are invalidated: over the integrity threshold, so
    # the shortlist waits for the secretariat's review of each (tests/voting/test_integrity.py).
    blocked = client.post_form(f"/admin/rounds/{contest.voting_round.id}/advance")
    assert blocked.status_code == 302
    db.refresh(contest.voting_round)
    assert contest.voting_round.finalised_at is None
    for nomination in contest.ballot[4][:2]:
        kept = client.post_form(
            f"/admin/rounds/{contest.voting_round.id}/integrity/{nomination.id}",
            {"decision": "keep"},
        )
        assert kept.status_code == 302
    client.post_form(f"/admin/rounds/{contest.voting_round.id}/advance")
    db.refresh(contest.voting_round)
    assert contest.voting_round.finalised_at is not None


@pytest.mark.parametrize("cache", ["no cache", "Redis cache"])
def test_the_ballot_page_costs_the_same_for_any_number_of_projects(
    app, client, db, count_queries, monkeypatch, cache
):
    """A category of 500 projects, as in bench/ballot_load.py, costs what one of 3 costs,
    with and without Redis; with it, the projects come from the cache after the first view."""
    from prizes.core.vocabulary import ActionLine
    from tests.factories import make_edition, make_entry, make_nomination, make_round

    if cache == "Redis cache":
        require_redis(CACHE_URL)
        monkeypatch.setitem(app.config, "REDIS_URL", CACHE_URL)

    def ballot_queries(size: int) -> tuple[int, int]:
        """Statements of a second view of the page, and how many of them read the projects."""
        edition = make_edition()
        nominations = [
            make_nomination(edition=edition, entry=make_entry(action_lines=(ActionLine.C4,)))
            for _ in range(size)
        ]
        voting_round = make_round(edition=edition, nominations=nominations)
        db.commit()
        for _view in range(2):  # the first fills the cache
            with count_queries() as statements:
                page = client.get(f"/vote/{voting_round.id}/1").get_data(as_text=True)
            assert page.count('name="nomination"') == size
        reads = ["short_description" in sql and "ballot_entries" in sql for sql in statements]
        return len(statements), sum(reads)

    voter = make_user()
    db.commit()
    client.login(voter.email, PASSWORD)
    small, large = ballot_queries(3), ballot_queries(500)
    assert small == large
    assert large[1] == (0 if cache == "Redis cache" else 1)


_FOCUSABLE = re.compile(r"<(a|button|input|summary|select|textarea)\b[^>]*>")


def test_keyboard_users_skip_the_list_to_cast_my_vote(client, db, contest):
    """The ballot's first stop is a link past every project's "Read the description", to
    the note beside "Cast my vote": the next stop after that note is the button."""
    client.login(contest.voter.email, PASSWORD)
    page = client.get(_url(contest, 1)).get_data(as_text=True)
    form = page[page.index('<form method="post" action="' + _url(contest, 1) + '/confirm"') :]
    form = form[: form.index("</form>")]
    stops = [m.group(0) for m in _FOCUSABLE.finditer(form) if 'type="hidden"' not in m.group(0)]
    assert stops[0] == '<a class="skip-inline" href="#final-note">'
    assert "Skip the list" in form
    assert sum("<summary" in stop for stop in stops) == len(contest.ballot[4])  # the detour
    target = re.search(r'<p class="hint" id="final-note" tabindex="-1">', form)
    assert target is not None
    after_target = [m.group(0) for m in _FOCUSABLE.finditer(form, target.end())]
    assert after_target[0].startswith("<button")
    assert form.index("Cast my vote</button>") > target.end()


def _ballot_links(client, contest) -> tuple[str, str]:
    page = client.get(f"/vote/{contest.voting_round.id}/").get_data(as_text=True)
    return page, f'href="/vote/rounds/{contest.voting_round.id}/results"'


def test_the_live_tally_is_linked_only_for_whom_it_is_no_404(client, db, contest, login_as):
    """A voter's ballot offers no link to the live tally they may not open; the
    secretariat's does, and once the results are out the public's ballot links them."""
    client.login(contest.voter.email, PASSWORD)
    page, link = _ballot_links(client, contest)
    assert link not in page and "Live tally" not in page
    assert client.get(f"/vote/rounds/{contest.voting_round.id}/results").status_code == 404
    client.post_form("/logout")

    login_as("secretariat")
    page, link = _ballot_links(client, contest)
    assert link in page and "Live tally" in page
    assert client.get(f"/vote/rounds/{contest.voting_round.id}/results").status_code == 200
    round_page = client.get(f"/admin/rounds/{contest.voting_round.id}").get_data(as_text=True)
    assert link in round_page
    client.post_form("/logout")

    contest.voting_round.public_tally = True
    contest.voting_round.finalised_at = now()
    contest.edition.results_published_at = now()
    db.commit()
    client.login(contest.voter.email, PASSWORD)
    page, link = _ballot_links(client, contest)
    assert link in page and "Results" in page and "Live tally" not in page
    assert client.get(f"/vote/rounds/{contest.voting_round.id}/results").status_code == 200


def test_the_results_page_links_the_vote_log_only_when_it_opens(client, db, contest, login_as):
    login_as("secretariat")
    url = f"/vote/rounds/{contest.voting_round.id}/results"
    report = f"/transparency/rounds/{contest.voting_round.id}/report"
    page = client.get(url).get_data(as_text=True)
    assert report in page and client.get(report).status_code == 200
    # A round set up but not yet open: its live tally (empty) is the secretariat's, but
    # its log and report do not exist yet, so they are not linked.
    contest.voting_round.opens_at = now() + timedelta(days=1)
    contest.voting_round.closes_at = now() + timedelta(days=2)
    db.commit()
    page = client.get(url).get_data(as_text=True)
    assert client.get(url).status_code == 200
    assert report not in page and "Vote log" not in page
    assert client.get(report).status_code == 404
