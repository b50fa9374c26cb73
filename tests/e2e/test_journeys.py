"""What people do, in a real browser."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import func, select

from prizes.accounts import services
from prizes.core.clock import now
from prizes.core.proof_of_work import UsedChallenge
from prizes.db import db

PASSWORD = "a passphrase for the browser"
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "instance" / "screenshots"


def _newest_link(outbox: Path, to: str) -> str:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            match = re.search(r"https?://\S+", message.get_content())
            assert match
            return match.group(0)
    raise AssertionError(f"no mail to {to}")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_visitor_registers_confirms_signs_in_and_completes_the_profile(live_server, page):
    base = live_server.url
    page.goto(base + "/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Email address").fill("visitor@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.wait_for_timeout(1100)  # people take longer than the bot trap's minimum fill time
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your mail").wait_for()

    with live_server.app.app_context():
        # The widget fetched a challenge, solved it in the browser and the server took it.
        assert db.session.scalar(select(func.count()).select_from(UsedChallenge)) >= 1

    page.goto(_newest_link(live_server.outbox, "visitor@example.org"))
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_text("your email address is confirmed").wait_for()
    page.get_by_label("Email address").fill("visitor@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="My votes").wait_for()

    page.get_by_role("link", name="visitor@example.org").click()
    page.get_by_label("Organisation name").fill("Rural Connect")
    page.get_by_label("Type of organisation").select_option("civil_society")
    page.get_by_label("Country").select_option("KE")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    _shot(page, "profile")


def test_form_errors_are_announced_next_to_their_fields(live_server, page):
    page.goto(live_server.url + "/register")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("other")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "Please correct the following" in summary.inner_text()
    password = page.get_by_label("Password", exact=True)
    assert password.get_attribute("aria-invalid") == "true"
    _shot(page, "register-errors")


def test_without_javascript_the_registration_says_the_check_needs_it(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/register")
    notice = page.locator("#altcha noscript .error")  # text engines skip <noscript>; CSS not
    assert notice.is_visible() and "needs JavaScript" in notice.inner_text()
    page.get_by_label("Email address").fill("nojs@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.wait_for_timeout(1100)  # past the bot trap's minimum fill time
    page.get_by_role("button", name="Create account").click()
    assert "needs JavaScript" in page.locator("#altcha-error").inner_text()
    _shot(page, "register-without-javascript")
    context.close()


def test_the_skip_link_is_the_first_stop_for_keyboard_users(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"


def test_the_secretariat_makes_a_user_a_stakeholder(live_server, page):
    with live_server.app.app_context():
        services.create_admin(email="chief@example.org", password=PASSWORD, now=now())
        services.register_user(email="someone@example.org", password=PASSWORD, now=now())
        db.session.commit()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address").fill("chief@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Secretariat").click()
    page.get_by_role("link", name="Accounts and roles").click()
    page.get_by_label("Email or organisation").fill("someone@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="someone@example.org").click()
    page.get_by_label("Role").select_option("stakeholder")
    page.get_by_role("button", name="Grant role").click()
    page.get_by_text("Roles updated.").wait_for()
    assert page.get_by_role("listitem").filter(has_text="Stakeholder").count() == 1
    _shot(page, "admin-user")


def test_a_narrow_screen_gets_no_horizontal_scroll(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/categories")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    _shot(page, "categories-mobile")
    context.close()
    assert overflow <= 0


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def test_a_project_is_nominated_reviewed_and_listed(live_server, browser):
    from datetime import timedelta

    from prizes.accounts.models import Role
    from prizes.contest.models import Edition
    from prizes.core.vocabulary import ActionLine, StakeholderType
    from prizes.stocktaking.models import EntryActionLine, EntrySdg, StocktakingEntry

    with live_server.app.app_context():
        moment = now()
        db.session.add(
            Edition(
                year=2090,
                title="WSIS Prizes 2090",
                submission_opens_at=moment - timedelta(days=1),
                submission_closes_at=moment + timedelta(days=30),
                review_closes_at=moment + timedelta(days=40),
                selection_closes_at=moment + timedelta(days=90),
            )
        )
        db.session.add(
            StocktakingEntry(
                title="Solar classrooms online",
                organisation="Sunlit Schools",
                organisation_key="sunlit schools",
                stakeholder_type=StakeholderType.CIVIL_SOCIETY,
                country="GH",
                description="Solar-powered classrooms with offline lessons.",
                action_lines=[EntryActionLine(action_line=ActionLine.C7)],
                sdgs=[EntrySdg(sdg=4)],
            )
        )
        nominator = services.create_admin(
            email="nominator@example.org", password=PASSWORD, now=moment
        )
        services.revoke_role(nominator, Role.SECRETARIAT, by=nominator)
        services.grant_role(nominator, Role.STAKEHOLDER, by=None)
        services.create_admin(email="reviewer@example.org", password=PASSWORD, now=moment)
        db.session.commit()

    base = live_server.url
    stakeholder = browser.new_context().new_page()
    _sign_in(stakeholder, base, "nominator@example.org")
    stakeholder.goto(base + "/projects/?q=solar")
    stakeholder.get_by_role("link", name="Solar classrooms online").click()
    stakeholder.get_by_role("link", name="Nominate for WSIS Prizes 2090").click()
    stakeholder.get_by_label("Prize category").select_option(
        label="9. ICT applications: e-learning (C7)"
    )
    description = stakeholder.get_by_label("Short description")
    description.fill("lesson " * 120)
    counter = stakeholder.locator(".word-count")
    assert "120 words" in counter.inner_text()
    description.fill("lesson " * 160)
    assert "160 words" in counter.inner_text()
    stakeholder.get_by_label("SDG 4: Quality Education").fill("Teachers get offline lessons.")
    stakeholder.get_by_label("Impact", exact=True).fill("4,000 pupils in 30 schools.")
    stakeholder.get_by_label("Partnerships", exact=True).fill("The district and a solar company.")
    stakeholder.get_by_label("Challenges and future").fill("Batteries; next, 50 more schools.")
    stakeholder.get_by_label("Completed").check()
    stakeholder.get_by_label("Link to the project").fill("https://sunlit.example.org")
    stakeholder.get_by_role("button", name="Submit the nomination").click()
    stakeholder.get_by_text("Your nomination is submitted").wait_for()
    _shot(stakeholder, "nomination-submitted")

    reviewer = browser.new_context().new_page()
    _sign_in(reviewer, base, "reviewer@example.org")
    reviewer.get_by_role("link", name="Review", exact=True).click()
    reviewer.get_by_role("link", name="9. ICT applications: e-learning").click()
    reviewer.get_by_role("link", name="Solar classrooms online").click()
    reviewer.get_by_label("Nominate").check()
    reviewer.get_by_role("button", name="Record the decision").click()
    reviewer.get_by_text("Decision recorded").wait_for()

    # Being nominated stays private until the nominated list is announced, for every
    # category on one day: the secretariat does it on the edition's timeline, after the
    # submission deadline (here before the end of the review: an override, with a reason).
    visitor = browser.new_context().new_page()
    visitor.goto(base + "/editions/2090/nominated?q=solar")
    visitor.get_by_text("is not announced yet").wait_for()
    assert visitor.get_by_role("link", name="Solar classrooms online").count() == 0
    with live_server.app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.year == 2090))
        edition.submission_closes_at = now() - timedelta(minutes=5)
        edition_id = edition.id
        db.session.commit()
    reviewer.goto(base + f"/admin/editions/{edition_id}/timeline")
    reviewer.get_by_label("Reason for acting before the date").fill("The Forum moved earlier.")
    reviewer.get_by_role("button", name="Announce the nominated list of every category").click()
    reviewer.get_by_text("The nominated list is public").wait_for()
    _shot(reviewer, "edition-timeline")
    visitor.goto(base + "/editions/2090/nominated?q=solar")
    visitor.get_by_role("link", name="Solar classrooms online").wait_for()
    _shot(visitor, "nominated-list")


def test_a_voter_walks_the_guided_ballot_and_gets_receipts(live_server, browser):
    from tests.factories import make_edition, make_entry, make_nomination, make_round, make_user

    with live_server.app.app_context():
        edition = make_edition(year=2091)
        nominations = [
            make_nomination(
                edition=edition, entry=make_entry(title=f"Project {n}"), category_number=4
            )
            for n in range(3)
        ]
        # The round asks a proof of work with every vote: the real widget solves it.
        make_round(edition=edition, nominations=nominations).requires_proof_of_work = True
        voter = make_user(email="walker@example.org", password=PASSWORD)
        db.session.commit()
        del voter

    page = browser.new_context().new_page()
    _sign_in(page, live_server.url, "walker@example.org")
    page.get_by_role("link", name="Vote", exact=True).click()
    page.get_by_role("link", name="Start voting").click()
    page.get_by_text("Category 1 of 1").wait_for()
    page.get_by_label("Project 1").check()
    page.get_by_role("button", name="Cast my vote").click()
    # The confirmation step names the choice; its button casts the vote (and the widget
    # solves the round's proof of work on that form).
    page.get_by_role("heading", name="Confirm your vote").wait_for()
    page.get_by_role("button", name="Confirm my vote").click()
    page.get_by_text("is recorded. Receipt:").wait_for()
    page.get_by_role("button", name="Finish and mail me my receipts").click()
    page.get_by_role("heading", name="My votes").wait_for()
    receipt = page.locator("td code").first.inner_text()
    _shot(page, "my-votes")
    page.goto(live_server.url + "/vote/receipt?code=" + receipt)
    page.get_by_text("This vote counts in the tally").wait_for()
