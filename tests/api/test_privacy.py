"""Nothing private leaves through the API: every API route is walked with real ids at every
phase of an edition, and no e-mail, hash, receipt, draft, rejected or withdrawn nomination,
decision rationale, live tally or unannounced nominated list may appear in any answer."""

from __future__ import annotations

import json
import re

import pytest

from prizes.stocktaking.models import EntryStatus, StocktakingEntry
from tests.api.contest import PHASES, build_contest, move_to


def _api_rules(app):
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1") and "GET" in rule.methods
    )


def _walk(client, app, contest, db):
    """Every API route's answers, with each path parameter filled with real ids and the
    list routes followed page after page."""
    entry_ids = list(
        db.scalars(
            StocktakingEntry.__table__.select()
            .with_only_columns(StocktakingEntry.id)
            .where(StocktakingEntry.status == EntryStatus.PUBLISHED)
        )
    )
    draft_ids = list(
        db.scalars(
            StocktakingEntry.__table__.select()
            .with_only_columns(StocktakingEntry.id)
            .where(StocktakingEntry.status == EntryStatus.DRAFT)
        )
    )
    answers: dict[str, str] = {}
    walked: set[str] = set()
    for rule in _api_rules(app):
        paths = [rule]
        if "<int:year>" in rule:
            paths = [rule.replace("<int:year>", str(contest.edition.year))]
        if "<int:entry_id>" in rule:
            paths = [rule.replace("<int:entry_id>", str(i)) for i in entry_ids + draft_ids]
        if "<int:round_id>" in rule:
            paths = [rule.replace("<int:round_id>", str(contest.round.id))]
        for path in paths:
            variants = [path]
            if path.endswith("/nominated"):
                variants += [f"{path}?category=4", f"{path}?category=5"]
            if path.endswith("/vocabulary") or path.endswith("/results"):
                variants.append(f"{path}?lang=fr")
            for url in variants:
                answer = client.get(url)
                assert answer.status_code in (200, 404), (url, answer.status_code)
                answers[url] = answer.get_data(as_text=True)
        walked.add(rule)
    # The entries, page after page, one per page, plain and with each filter.
    for query in ("", "&q=entry", "&category=4", "&country=FR", "&sort=title", "&sdg=4"):
        url = f"/api/v1/entries?limit=1{query}"
        while url:
            answer = client.get(url)
            assert answer.status_code == 200, url
            answers[url] = answer.get_data(as_text=True)
            cursor = answer.get_json()["next_cursor"]
            url = cursor and f"/api/v1/entries?limit=1{query}&cursor={cursor}"
    assert walked == set(_api_rules(app))
    return answers


@pytest.mark.parametrize("phase", PHASES)
def test_no_private_data_in_any_answer_at_any_phase(client, app, db, phase):
    contest = build_contest()
    move_to(contest, phase)
    db.commit()
    answers = _walk(client, app, contest, db)
    everything = "\n".join(answers.values())
    # The data, without the documents that describe its fields.
    data = "\n".join(a for url, a in answers.items() if not url.endswith(("openapi.json", "/docs")))
    for what, text in contest.private.items():
        assert text not in everything, f"{what} shows at {phase}"
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", everything), "an e-mail address shows"
    for word in ('"score', '"email', '"hash', '"rationale', '"status_reason', '"receipt'):
        assert word not in data, f"{word} shows at {phase}"
    announced = phase in ("voting", "selection", "champions", "announced")
    # The nominated texts show exactly from the announcement on.
    assert ("UNANNOUNCED-0" in everything) is announced, phase
    # Counts only once the results are published (and the round publishes them).
    assert ('"votes"' in data) is (phase == "announced"), phase
    results = answers.get(f"/api/v1/editions/{contest.edition.year}/results")
    assert (json.loads(results).get("status") if results else None) == {
        "champions": "champions",
        "announced": "published",
    }.get(phase)
    if phase == "champions":
        assert all(not c["winners"] for c in json.loads(results)["categories"])
    # The round's transparency report goes out with the results, not before.
    report = json.loads(answers[f"/api/v1/rounds/{contest.round.id}/transparency"])
    assert ("votes_cast" in report) is (phase == "announced"), phase


def test_the_walk_covers_every_api_route(app):
    rules = _api_rules(app)
    assert "/api/v1/entries/<int:entry_id>" in rules
    assert "/api/v1/editions/<int:year>/nominated" in rules
    assert "/api/v1/rounds/<int:round_id>/transparency" in rules
    assert len(rules) >= 10
