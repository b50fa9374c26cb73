"""Stakeholders' own entries through the pages, and who may change them."""

from __future__ import annotations

from sqlalchemy import func, select

from prizes.stocktaking.models import StocktakingEntry
from tests.factories import make_entry, make_user

GOOD = {
    "title": "Village fibre cooperative",
    "organisation": "Fibre for All",
    "stakeholder_type": "civil_society",
    "country": "NP",
    "description": "A cooperative that brings fibre to villages in the hills.",
    "action_lines": ["C2", "C4"],
    "sdgs": ["9", "4"],
    "website": "https://fibre.example.org",
    "start_date": "2021-03-01",
    "end_date": "2024-06-30",
}


def _count(db) -> int:
    return db.scalar(select(func.count(StocktakingEntry.id)))


def test_a_stakeholder_adds_and_edits_an_entry(client, db, login_as):
    owner = login_as("stakeholder")
    response = client.post_form("/projects/new", GOOD)
    assert response.status_code == 302
    entry = db.scalar(select(StocktakingEntry))
    assert entry.owner_id == owner.id
    assert [line.value for line in entry.action_line_codes] == ["C2", "C4"]
    assert entry.sdg_numbers == [4, 9]
    assert entry.organisation_key == "fibre for all"
    page = client.get(response.location).get_data(as_text=True)
    assert "Village fibre cooperative" in page and "Edit the project" in page

    edit = client.get(f"/projects/{entry.id}/edit").get_data(as_text=True)
    assert 'value="Village fibre cooperative"' in edit
    changed = {**GOOD, "title": "Hill fibre cooperative", "action_lines": ["C2"], "sdgs": []}
    assert client.post_form(f"/projects/{entry.id}/edit", changed).status_code == 302
    db.refresh(entry)
    assert entry.title == "Hill fibre cooperative" and entry.sdg_numbers == []


def test_bad_entries_are_refused_with_messages(client, db, login_as):
    login_as("stakeholder")
    cases = [
        {**GOOD, "title": ""},
        {**GOOD, "title": "x" * 301},
        {**GOOD, "country": "QQ"},
        {**GOOD, "stakeholder_type": "pirates"},
        {**GOOD, "action_lines": []},
        {**GOOD, "action_lines": ["C12"]},
        {**GOOD, "sdgs": ["18"]},
        {**GOOD, "website": "javascript:alert(1)"},
        {**GOOD, "start_date": "2024-01-01", "end_date": "2023-01-01"},
        {**GOOD, "start_date": "not a date"},
    ]
    for data in cases:
        response = client.post_form("/projects/new", data)
        assert response.status_code == 422, data
    assert _count(db) == 0


def test_only_the_owner_or_the_secretariat_edits(client, db, login_as):
    entry = make_entry(owner=make_user())
    db.commit()
    login_as("stakeholder")
    assert client.get(f"/projects/{entry.id}/edit").status_code == 403
    assert client.post_form(f"/projects/{entry.id}/edit", GOOD).status_code == 403
    db.refresh(entry)
    assert entry.title != GOOD["title"]
    client.post_form("/logout")
    login_as("secretariat")
    assert client.post_form(f"/projects/{entry.id}/edit", GOOD).status_code == 302


def test_voters_cannot_add_entries_and_unknown_entries_are_404(client, db, login_as):
    login_as("voter")
    assert client.get("/projects/new").status_code == 403
    assert client.post_form("/projects/new", GOOD).status_code == 403
    assert client.get("/projects/999999").status_code == 404
    assert _count(db) == 0


def test_a_nominated_entry_is_frozen_for_its_owner_until_results_are_published(
    client, db, login_as
):
    from prizes.core.clock import now
    from tests.factories import make_edition, make_nomination

    owner = login_as("stakeholder")
    entry = make_entry(owner=owner)
    edition = make_edition()
    make_nomination(edition=edition, entry=entry)
    db.commit()
    assert client.get(f"/projects/{entry.id}/edit").status_code == 302
    assert client.post_form(f"/projects/{entry.id}/edit", GOOD).status_code == 302
    db.refresh(entry)
    assert entry.title != GOOD["title"]
    edition.results_published_at = now()
    db.commit()
    assert client.post_form(f"/projects/{entry.id}/edit", GOOD).status_code == 302
    db.refresh(entry)
    assert entry.title == GOOD["title"]
