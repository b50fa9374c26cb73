"""A round's counts and ranking reach the secretariat alone until the edition's results are
published; an expert sees counts only where the edition says so, for their categories."""

from __future__ import annotations

import json

import pytest

from prizes.core.clock import now
from tests.seeded import seed_contest

KINDS = ("results", "results.json", "results.csv")
NOT_STAFF = ("voter", "owner", "other_stakeholder", "unassigned_expert", "expert")


def _get(client, seeded, kind: str):
    return client.get(f"/vote/rounds/{seeded.voting_round.id}/{kind}")


@pytest.mark.parametrize("person", [None, *NOT_STAFF])
def test_a_closed_round_tells_nobody_but_the_secretariat_before_publication(client, db, person):
    seeded = seed_contest()
    seeded.voting_round.finalised_at = now()  # advanced: closed and shortlisted
    seeded.voting_round.public_tally = True  # even a round set to publish its tally
    db.commit()
    if person is not None:
        client.login(getattr(seeded, person).email)
    for kind in KINDS:
        assert _get(client, seeded, kind).status_code == 404, (person, kind)


def test_the_secretariat_reads_the_counts_at_any_time(client, db):
    seeded = seed_contest()
    client.login(seeded.secretariat.email)
    for kind in KINDS:
        assert _get(client, seeded, kind).status_code == 200, kind
    data = json.loads(_get(client, seeded, "results.json").data)
    assert {row["valid_votes"] for row in data["results"]} >= {1}


def test_the_public_sees_a_round_published_with_the_editions_results(client, db):
    seeded = seed_contest()
    seeded.voting_round.finalised_at = now()
    db.commit()
    seeded.edition.results_published_at = now()
    db.commit()
    # Published, but the round was not set to show its counts: still the secretariat's.
    assert _get(client, seeded, "results.json").status_code == 404
    seeded.voting_round.public_tally = True
    db.commit()
    for kind in KINDS:
        assert _get(client, seeded, kind).status_code == 200, kind


def test_experts_see_counts_only_when_the_edition_says_so_and_only_their_categories(client, db):
    """The round's pages stay the secretariat's; an expert sees a project's valid votes on
    its stage 2 scoring page, of a category assigned to them, when the edition says so."""
    seeded = seed_contest()
    seeded.voting_round.finalised_at = now()
    db.commit()
    assert seeded.edition.show_votes_to_experts is False  # the setting is off by default
    own = f"/review/score/selection/{seeded.shortlisted.id}"  # category 4, the expert's
    other = f"/review/score/selection/{seeded.other_shortlisted.id}"  # category 9
    client.login(seeded.expert.email)
    assert "Valid public votes" not in client.get(own).get_data(as_text=True)

    seeded.edition.show_votes_to_experts = True
    db.commit()
    assert "Valid public votes" in client.get(own).get_data(as_text=True)
    assert client.get(other).status_code == 403
    for kind in KINDS:  # the whole round's ranking is not theirs, setting or not
        assert _get(client, seeded, kind).status_code == 404, kind


def test_experts_see_no_live_counts_of_an_open_round(client, db):
    seeded = seed_contest()
    seeded.edition.show_votes_to_experts = True
    db.commit()
    client.login(seeded.expert.email)
    assert _get(client, seeded, "results.json").status_code == 404


def test_the_shortlist_reads_as_nominated_until_the_champions_are_announced(client, db):
    """Being shortlisted tells a project's rank: public pages, and the nominator's own,
    show it only once the edition announces its champions."""
    seeded = seed_contest()
    shortlisted = seeded.shortlisted
    db.commit()
    pages = (
        f"/nominations/{shortlisted.id}",
        f"/projects/{shortlisted.entry_id}",
        f"/editions/{seeded.edition.year}/nominated?category={shortlisted.category_id}",
    )
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        assert "status-shortlisted" not in html, page
    assert "status-nominated" in client.get(pages[0]).get_data(as_text=True)
    seeded.edition.champions_announced_at = now()
    db.commit()
    assert "status-shortlisted" in client.get(pages[0]).get_data(as_text=True)
