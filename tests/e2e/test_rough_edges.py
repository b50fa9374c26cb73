"""The rough edges a first-time user met, each walked in a real browser: a form sent too
fast, a project that cannot be nominated, the profile on the way to the ballot, the
ballot's skip link, the confirmation before scores lock, the live tally's link.

One server of its own (an edition open for submissions with a round open, and an edition
in its selection phase), so that its editions stand beside no other journey's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from prizes.accounts.models import Role, User
from prizes.core.clock import now
from prizes.db import db
from prizes.nominations.models import NominationStatus
from prizes.review.models import ExpertAssignment, RubricCriterion
from tests.e2e.conftest import LiveServer, serve
from tests.e2e.test_journeys import PASSWORD, _shot, _sign_in
from tests.factories import (
    get_category,
    make_edition,
    make_entry,
    make_nomination,
    make_round,
    make_user,
)

MIN_FILL_SECONDS = 4


@dataclass
class Scene:
    server: LiveServer
    round_id: int
    nominated_title: str
    free_title: str
    shortlisted_id: int


@pytest.fixture(scope="module")
def scene(tmp_path_factory: Any) -> Any:
    with serve(
        tmp_path_factory.mktemp("e2e-rough-edges"), REGISTRATION_MIN_SECONDS=MIN_FILL_SECONDS
    ) as server:
        with server.app.app_context():
            open_edition = make_edition(year=2095)
            nominations = [
                make_nomination(edition=open_edition, entry=make_entry(title=f"Village radio {n}"))
                for n in range(3)
            ]
            voting_round = make_round(edition=open_edition, nominations=nominations)
            make_entry(title="Mobile clinic scheduling")  # nominated nowhere
            make_user(email="stakeholder@example.org", password=PASSWORD, roles=(Role.STAKEHOLDER,))
            make_user(email="voter@example.org", password=PASSWORD)
            make_user(email="chief@example.org", password=PASSWORD, roles=(Role.SECRETARIAT,))
            make_user(email="newcomer@example.org", password=PASSWORD, profile=False)

            selecting = make_edition(year=2094, start=now() - timedelta(days=100))
            db.session.add(
                RubricCriterion(edition_id=selecting.id, position=1, name="Impact", weight=1.0)
            )
            expert = make_user(email="expert@example.org", password=PASSWORD, roles=(Role.EXPERT,))
            db.session.add(
                ExpertAssignment(
                    edition_id=selecting.id, expert_id=expert.id, category_id=get_category(4).id
                )
            )
            shortlisted = make_nomination(
                edition=selecting,
                entry=make_entry(title="Farm prices by text message"),
                status=NominationStatus.SHORTLISTED,
            )
            past = make_round(edition=selecting, nominations=[shortlisted])
            past.opens_at, past.closes_at = now() - timedelta(days=50), now() - timedelta(days=30)
            past.finalised_at = now() - timedelta(days=29)
            db.session.commit()
            made = Scene(
                server,
                voting_round.id,
                nominations[0].entry.title,
                "Mobile clinic scheduling",
                shortlisted.id,
            )
        yield made


def test_a_form_sent_too_fast_comes_back_instead_of_a_false_success(scene, page):
    """A password manager fills and sends at once: nothing is created and nothing sent,
    and the page says so; sent again by a person, it goes through."""
    base = scene.server.url
    page.goto(base + "/register")
    page.get_by_label("Email address").fill("quick@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Nothing is sent yet").wait_for()
    assert page.get_by_label("Email address").input_value() == "quick@example.org"
    _shot(page, "register-sent-too-fast")
    with scene.server.app.app_context():
        assert db.session.scalar(select(User).where(User.email == "quick@example.org")) is None
    assert not list(scene.server.outbox.glob("*.eml"))

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 200)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your mail").wait_for()
    with scene.server.app.app_context():
        assert db.session.scalar(select(User).where(User.email == "quick@example.org"))


def test_the_project_page_says_why_it_cannot_be_nominated(scene, page):
    base = scene.server.url
    _sign_in(page, base, "stakeholder@example.org")
    page.goto(base + "/projects/?q=village")
    page.get_by_role("link", name=scene.nominated_title).click()
    page.get_by_text("This project is already nominated in this edition.").wait_for()
    assert page.get_by_role("link", name="Nominate for Test edition").count() == 0
    _shot(page, "project-already-nominated")

    page.goto(base + "/projects/")
    page.get_by_role("link", name=scene.free_title).click()
    page.get_by_role("link", name="Nominate for Test edition").wait_for()

    page.goto(base + "/projects/")
    page.get_by_label("Can be nominated now").check()
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=scene.free_title).wait_for()
    assert page.get_by_role("link", name=scene.nominated_title).count() == 0


def test_the_profile_asked_on_the_way_to_vote_leads_back_to_the_ballot(scene, page):
    base = scene.server.url
    _sign_in(page, base, "newcomer@example.org")
    page.goto(base + f"/vote/{scene.round_id}/1")
    page.get_by_label("Organisation name").fill("Coastal Net")
    page.get_by_label("Type of organisation").select_option("civil_society")
    page.get_by_label("Country").select_option("SN")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_role("button", name="Cast my vote").wait_for()  # the ballot, not the account
    assert page.url.endswith(f"/vote/{scene.round_id}/1")


def test_the_ballots_skip_link_reaches_cast_my_vote_and_the_vote_is_confirmed(scene, page):
    base = scene.server.url
    _sign_in(page, base, "voter@example.org")
    page.goto(base + f"/vote/{scene.round_id}/1")
    skip = page.get_by_role("link", name='Skip the list: go to "Cast my vote"')
    skip.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Cast my vote"
    assert "final once cast" in page.locator("#final-note").inner_text()
    page.get_by_label(scene.nominated_title).check()
    page.get_by_role("button", name="Cast my vote").click()
    page.get_by_role("heading", name="Confirm your vote").wait_for()
    _shot(page, "vote-confirmation")
    page.get_by_role("button", name="Confirm my vote").click()
    page.get_by_text("is recorded. Receipt:").wait_for()


def test_scores_lock_only_after_the_expert_confirms(scene, page):
    base = scene.server.url
    _sign_in(page, base, "expert@example.org")
    page.goto(base + f"/review/score/selection/{scene.shortlisted_id}")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Record my declaration").click()
    page.locator("select[name^='value_']").select_option("8")
    page.get_by_role("button", name="Submit my scores").click()
    page.get_by_role("heading", name="Submit your scores?").wait_for()
    _shot(page, "scores-confirmation")
    page.get_by_role("button", name="Back to my scores").click()
    page.get_by_text("Draft saved.").wait_for()  # not locked: still a draft
    page.get_by_role("button", name="Submit my scores").click()
    page.get_by_role("button", name="Confirm and lock my scores").click()
    page.get_by_text("Your scores are submitted.").wait_for()
    page.get_by_text("Submitted and locked.").wait_for()


def test_the_live_tally_is_linked_only_for_whom_it_opens(scene, browser):
    """During the round the live tally is the secretariat's: a voter's ballot has no link to
    it (it was a "Page not found"), the secretariat's has, and it opens."""
    base = scene.server.url
    voter = browser.new_context().new_page()
    _sign_in(voter, base, "voter@example.org")
    voter.goto(base + f"/vote/{scene.round_id}/")
    voter.get_by_role("heading", level=1).wait_for()
    assert voter.get_by_role("link", name="Live tally").count() == 0
    assert voter.locator("main").get_by_role("link", name="Results", exact=True).count() == 0

    secretariat = browser.new_context().new_page()
    _sign_in(secretariat, base, "chief@example.org")
    secretariat.goto(base + f"/vote/{scene.round_id}/")
    secretariat.get_by_role("link", name="Live tally").click()
    secretariat.get_by_role("heading", level=1).wait_for()
    assert "Page not found" not in secretariat.content()
