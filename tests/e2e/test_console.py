"""The secretariat's console in a real browser: signed in with two-factor, the dashboard
shows a demo edition in its voting phase, and its next step is taken from there.

The demo data gets a server and database of its own: its open round and its edition open
for submissions would otherwise stand beside the ones the other journeys make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from prizes import demo
from prizes.accounts import services
from prizes.core.clock import now
from prizes.db import db
from prizes.voting.models import BallotEntry, Vote, VotingRound
from tests.e2e.conftest import LiveServer, serve
from tests.e2e.test_journeys import PASSWORD, _shot

EMAIL = "console@example.org"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Queued jobs wait in the queue here: run at once, the demo's sign-up mails would each
    # wait for the SQLite write lock its loading holds (seconds each), and none is read.
    with serve(tmp_path_factory.mktemp("e2e-console"), JOBS_IMMEDIATE=False) as server:
        yield server


def _staff_with_two_factor(server: LiveServer) -> str:
    """A secretariat account with two-factor on; returns its secret (the authenticator)."""
    secret = pyotp.random_base32()
    with server.app.app_context():
        admin = services.create_admin(email=EMAIL, password=PASSWORD, now=now())
        admin.totp_secret, admin.totp_enabled_at = secret, now()
        db.session.commit()
    return secret


@pytest.fixture(scope="module")
def demo_edition(demo_server: LiveServer) -> tuple[int, str]:
    """The demo data (a small load), and its edition in voting: id and title."""
    with demo_server.app.app_context():
        demo.seed(144, rng_seed=18)  # the smallest load: 8 entries a category
        db.session.commit()
        voting_round = db.session.scalar(
            select(VotingRound).where(
                VotingRound.opens_at <= now(),
                VotingRound.closes_at > now(),
                VotingRound.finalised_at.is_(None),
            )
        )
        assert voting_round is not None, "the demo has an edition in its voting phase"
        _votes_for_the_charts(voting_round)
        db.session.commit()
        return voting_round.edition_id, voting_round.edition.title


def _votes_for_the_charts(voting_round: VotingRound) -> None:
    """Votes over the round's days at varied hours, where the demo has cast none yet."""
    from tests.factories import make_user

    if db.session.scalar(select(Vote.id).where(Vote.round_id == voting_round.id).limit(1)):
        return
    entries = list(
        db.session.scalars(select(BallotEntry).where(BallotEntry.round_id == voting_round.id))
    )
    start = max(voting_round.opens_at, now() - timedelta(days=6))
    for n in range(60):
        entry = entries[n % len(entries)]
        db.session.add(
            Vote(
                round_id=voting_round.id,
                category_id=entry.category_id,
                nomination_id=entry.nomination_id,
                voter_id=make_user().id,
                cast_at=min(start + timedelta(hours=(n * 37) % 140, minutes=n), now()),
                receipt_code=f"E2E{n:05d}",
            )
        )


def test_the_secretariat_moves_a_demo_edition_on_from_the_dashboard(
    demo_server, demo_edition, page
):
    secret = _staff_with_two_factor(demo_server)
    edition_id, title = demo_edition

    page.goto(demo_server.url + "/login")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(secret).now()
    )
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    page.get_by_role("link", name="Secretariat").click()
    page.get_by_role("navigation", name="Editions").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=f"{title}: phase and next step").wait_for()
    assert page.get_by_text("Online voting", exact=True).count() >= 1  # the phase
    page.get_by_role("heading", name="Next step: Close round 1").wait_for()
    assert page.get_by_role("img", name="Votes per day").count() == 1
    assert page.get_by_role("table", name="Votes per hour of the day").count() == 1
    _shot(page, "console-dashboard")

    # Without the reason the step is refused, and the page says why.
    page.get_by_role("button", name="Close this round now").click()
    page.get_by_role("alert").filter(has_text="closing it early needs a reason").wait_for()
    page.get_by_label("Reason for acting before the date").fill("The Forum moved earlier.")
    page.get_by_role("button", name="Close this round now").click()
    page.get_by_text("The round is closed; it can now be advanced.").wait_for()
    page.get_by_role("heading", name="Next step: Advance round 1").wait_for()
    page.get_by_role("button", name="Advance the round").click()
    page.get_by_text("The round is final:").wait_for()
    page.get_by_role("heading", name="Next step: Announce the champions").wait_for()
    assert f"edition={edition_id}" in page.url


def test_the_console_passes_an_accessibility_scan_in_english_and_arabic(
    demo_server, demo_edition, browser, axe_script
):
    from tests.e2e.test_languages import _scan

    with demo_server.app.app_context():
        services.create_admin(email="scan@example.org", password=PASSWORD, now=now())
        db.session.commit()
    edition_id = demo_edition[0]  # its round's charts, open or advanced
    findings = []
    for locale in ("en", "ar"):
        # The scan injects axe-core, which the site's CSP would rightly refuse.
        context = browser.new_context(locale=locale, bypass_csp=True)
        page = context.new_page()
        page.goto(demo_server.url + "/login")
        page.locator("input[name=email]").fill("scan@example.org")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(demo_server.url + f"/admin/?edition={edition_id}")
        assert page.locator("svg.chart").count() == 2
        _shot(page, f"console-dashboard-{locale}-scanned")
        findings += _scan(page, axe_script)
        context.close()
    assert findings == []
