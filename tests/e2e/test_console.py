"""The secretariat's console in a real browser: signed in with two-factor, the dashboard
shows a demo edition in its voting phase, and its next step is taken from there.

The demo data gets a server and database of its own: its open round and its edition open
for submissions would otherwise stand beside the ones the other journeys make."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import select

from prizes import demo
from prizes.accounts import services
from prizes.core.clock import now
from prizes.db import db
from prizes.voting.models import VotingRound
from tests.e2e.conftest import LiveServer, serve
from tests.e2e.test_journeys import PASSWORD, _shot

EMAIL = "console@example.org"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("e2e-console")) as server:
        yield server


def _staff_with_two_factor(server: LiveServer) -> str:
    """A secretariat account with two-factor on; returns its secret (the authenticator)."""
    secret = pyotp.random_base32()
    with server.app.app_context():
        admin = services.create_admin(email=EMAIL, password=PASSWORD, now=now())
        admin.totp_secret, admin.totp_enabled_at = secret, now()
        db.session.commit()
    return secret


def _demo_voting_edition(server: LiveServer) -> tuple[int, str]:
    """The demo data (a small load), and its edition in voting: id and title."""
    with server.app.app_context():
        demo.seed(40, rng_seed=18)
        db.session.commit()
        voting_round = db.session.scalar(
            select(VotingRound).where(
                VotingRound.opens_at <= now(),
                VotingRound.closes_at > now(),
                VotingRound.finalised_at.is_(None),
            )
        )
        assert voting_round is not None, "the demo has an edition in its voting phase"
        return voting_round.edition_id, voting_round.edition.title


def test_the_secretariat_moves_a_demo_edition_on_from_the_dashboard(demo_server, page):
    secret = _staff_with_two_factor(demo_server)
    edition_id, title = _demo_voting_edition(demo_server)

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
