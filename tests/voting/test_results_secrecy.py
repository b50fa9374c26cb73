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
    seeded = seed_contest()
    seeded.voting_round.finalised_at = now()
    db.commit()
    assert seeded.edition.show_votes_to_experts is False  # the setting is off by default
    client.login(seeded.expert.email)  # assigned to category 4
    assert _get(client, seeded, "results.json").status_code == 404
    score_page = client.get(f"/review/score/selection/{seeded.shortlisted.id}")
    assert "Valid public votes" not in score_page.get_data(as_text=True)

    seeded.edition.show_votes_to_experts = True
    db.commit()
    data = json.loads(_get(client, seeded, "results.json").data)
    assert data["results"] and {row["category"] for row in data["results"]} == {4}
    csv_text = _get(client, seeded, "results.csv").get_data(as_text=True)
    assert seeded.ballot[2].entry.title not in csv_text  # a category 9 project
    page = _get(client, seeded, "results").get_data(as_text=True)
    assert seeded.ballot[0].entry.title in page and seeded.ballot[2].entry.title not in page

    client.post_form("/logout")
    client.login(seeded.unassigned_expert.email)  # category 9 only
    data = json.loads(_get(client, seeded, "results.json").data)
    assert {row["category"] for row in data["results"]} == {9}

    client.post_form("/logout")
    client.login(seeded.voter.email)  # the setting is about experts, not the public
    assert _get(client, seeded, "results.json").status_code == 404


def test_experts_see_no_live_counts_of_an_open_round(client, db):
    seeded = seed_contest()
    seeded.edition.show_votes_to_experts = True
    db.commit()
    client.login(seeded.expert.email)
    assert _get(client, seeded, "results.json").status_code == 404
