"""The six languages in a real browser: a vote in Arabic (right to left) and one in Chinese,
screenshots of the mirrored pages, and an axe-core scan of the voter's pages in Arabic."""

from __future__ import annotations

import pytest

from prizes.db import db
from tests.e2e.test_journeys import PASSWORD, _shot

# axe-core's impacts; a "serious" or "critical" finding fails the scan.
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def ballot(live_server):
    """An edition with an open round of two categories, nominated projects with titles in
    several scripts, and a voter for each language."""
    from tests.factories import make_edition, make_entry, make_nomination, make_round, make_user

    with live_server.app.app_context():
        edition = make_edition(year=2093)
        titles = [
            "منصة الزراعة الذكية",
            "农村宽带普及项目",
            "Цифровая грамотность",
            "Solar schools",
        ]
        nominations = [
            make_nomination(edition=edition, entry=make_entry(title=title), category_number=n)
            for title in titles
            for n in (4, 9)
        ]
        round_id = make_round(edition=edition, nominations=nominations).id
        for email in ("arabic@example.org", "chinese@example.org"):
            make_user(email=email, password=PASSWORD)
        db.session.commit()
    return round_id, titles


def _choose_language(page, name: str) -> None:
    """The header's switcher: a button named in the language itself."""
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def _sign_in(page, base: str, email: str, labels: dict[str, str]) -> None:
    page.goto(base + "/login")
    page.get_by_label(labels["email"]).fill(email)
    page.get_by_label(labels["password"]).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _scan(page, axe_script: str) -> list[str]:
    page.add_script_tag(content=axe_script)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def test_a_voter_votes_in_arabic_right_to_left(live_server, browser, ballot, axe_script):
    base = live_server.url
    # The scan injects axe-core into each page, which the site's CSP would rightly refuse.
    context = browser.new_context(locale="ar", bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]  # from Accept-Language alone
    findings = _scan(page, axe_script)
    page.goto(base + "/register")
    _shot(page, "ar-register-form")
    findings += _scan(page, axe_script)
    _sign_in(
        page, base, "arabic@example.org", {"email": "البريد الإلكتروني", "password": "كلمة المرور"}
    )
    round_id, titles = ballot
    page.goto(base + f"/vote/{round_id}/")
    _shot(page, "ar-ballot")
    findings += _scan(page, axe_script)
    page.goto(base + f"/vote/{round_id}/1")
    # the page mirrors: the first choice's radio button sits right of its label
    choice = page.locator(".choice").first
    radio = choice.locator("input[type=radio]").bounding_box()
    label = choice.locator("label").bounding_box()
    assert radio["x"] > label["x"], "the radio button should be on the right in Arabic"
    _shot(page, "ar-category")
    findings += _scan(page, axe_script)
    page.get_by_label(titles[0]).check()
    page.locator("form:has(fieldset.ballot) button[type=submit]").click()
    # The confirmation step: the choice once more, then the button that casts the vote.
    page.locator("#confirm-vote").wait_for()
    _shot(page, "ar-confirm")
    findings += _scan(page, axe_script)
    page.locator("#confirm-vote button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    _shot(page, "ar-voted")
    findings += _scan(page, axe_script)
    page.goto(base + f"/vote/{round_id}/")
    progress = page.locator("progress").first
    assert progress.get_attribute("value") == "1"  # one category of two voted
    _shot(page, "ar-ballot-progress")
    page.goto(base + "/vote/mine")
    _shot(page, "ar-my-votes")
    findings += _scan(page, axe_script)
    page.goto(base + "/projects/?q=الزراعة")
    assert page.get_by_role("link", name=titles[0]).count() >= 1
    _shot(page, "ar-search")
    findings += _scan(page, axe_script)
    context.close()
    assert findings == []


def test_a_voter_chooses_chinese_and_votes(live_server, browser, ballot):
    base = live_server.url
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(base + "/categories")
    _choose_language(page, "中文")
    assert page.evaluate("document.documentElement.lang") == "zh"
    assert page.url.endswith("/categories")  # the switcher returns to the page
    _sign_in(page, base, "chinese@example.org", {"email": "电子邮件地址", "password": "密码"})
    round_id, titles = ballot
    page.goto(base + f"/vote/{round_id}/1")
    page.get_by_label(titles[1]).check()
    page.locator("form:has(fieldset.ballot) button[type=submit]").click()
    page.locator("#confirm-vote button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    _shot(page, "zh-voted")
    # the choice is kept in the profile: a new browser, signed in, gets Chinese
    other = browser.new_context(locale="fr-FR").new_page()
    _sign_in(
        other,
        base,
        "chinese@example.org",
        {"email": "Adresse électronique", "password": "Mot de passe"},
    )
    assert other.evaluate("document.documentElement.lang") == "zh"
    context.close()


def test_the_results_chart_mirrors_in_arabic(live_server, browser, ballot):
    from datetime import timedelta

    from prizes.core.clock import now
    from prizes.voting.models import VotingRound

    round_id, _titles = ballot
    with live_server.app.app_context():
        voting_round = db.session.get(VotingRound, round_id)
        voting_round.closes_at = now() - timedelta(seconds=1)
        voting_round.finalised_at = now()
        # The public reads a round's counts once the results are out, if the round says so.
        voting_round.public_tally = True
        voting_round.edition.results_published_at = now()
        db.session.commit()
    context = browser.new_context(locale="ar")
    page = context.new_page()
    page.goto(live_server.url + f"/vote/rounds/{round_id}/results")
    _shot(page, "ar-results")
    bar = page.locator("svg.chart rect").first.bounding_box()
    label = page.locator("svg.chart text.chart-label").first.bounding_box()
    assert label["x"] + label["width"] > bar["x"] + bar["width"], "labels right of the bars"
    context.close()
