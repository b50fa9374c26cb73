"""Entries of international organisations (country XX) and of projects that span several
countries: imported, recorded, searched and filtered; and action lines given by category."""

from __future__ import annotations

from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine
from prizes.stocktaking import importer
from prizes.stocktaking.models import StocktakingEntry
from prizes.stocktaking.queries import EntryFilters, search_entries
from tests.stocktaking.test_importer import good, write_csv, write_json


def _import(path):
    parsed = importer.read_entries(path)
    assert not parsed.errors, [str(e) for e in parsed.errors]
    importer.apply_rows(parsed.rows, source=str(path), now=now())
    return parsed


def test_international_and_multi_country_entries_are_imported_and_found(db, tmp_path):
    rows = [
        good(1, country="INTERNATIONAL", title="A worldwide standard"),
        good(2, country="ke; UG, tz", title="An East African corridor"),
        good(3, country="XX", title="Another international body"),
    ]
    _import(write_csv(tmp_path / "entries.csv", rows))
    db.commit()
    by_title = {e.title: e for e in db.query(StocktakingEntry)}
    assert by_title["A worldwide standard"].country == "XX"
    corridor = by_title["An East African corridor"]
    assert corridor.country == "KE" and corridor.country_codes == ["KE", "TZ", "UG"]
    uganda = search_entries(EntryFilters(country="ug"), page=1).items
    assert [e.title for e in uganda] == ["An East African corridor"]
    international = search_entries(EntryFilters(country="XX"), page=1).items
    assert {e.title for e in international} == {
        "A worldwide standard",
        "Another international body",
    }


def test_the_api_lists_every_country_of_an_entry(client, db, tmp_path):
    _import(write_json(tmp_path / "entries.json", [good(1, country="ke;ug")]))
    db.commit()
    found = client.get("/api/v1/entries?country=UG").get_json()["entries"]
    assert [e["countries"] for e in found] == [["KE", "UG"]]


def test_a_country_list_with_an_unknown_code_is_refused_with_its_line(db, tmp_path):
    parsed = importer.read_entries(write_csv(tmp_path / "e.csv", [good(1, country="KE; QQ")]))
    assert [str(e) for e in parsed.errors] == [
        "line 2: country 'KE; QQ' is not an ISO 3166-1 alpha-2 code such as KE, a list such"
        " as KE; UG, or INTERNATIONAL"
    ]


def test_action_lines_by_category_number_or_name(db, tmp_path):
    rows = [
        good(1, action_lines="4"),  # category 4: capacity building, C4
        good(2, action_lines="Capacity building; C9"),
        good(3, action_lines="capacity  BUILDING"),
    ]
    parsed = importer.read_entries(write_csv(tmp_path / "e.csv", rows))
    assert not parsed.errors, [str(e) for e in parsed.errors]
    assert [r.action_lines for r in parsed.rows] == [
        [ActionLine.C4],
        [ActionLine.C4, ActionLine.C9],
        [ActionLine.C4],
    ]
    bad = importer.read_entries(write_csv(tmp_path / "b.csv", [good(1, action_lines="19")]))
    assert "line 2: action_lines holds unknown code(s) 19" in str(bad.errors[0])


def test_the_form_offers_international(client, db, login_as):
    login_as("stakeholder")
    page = client.get("/projects/new").get_data(as_text=True)
    assert 'value="XX"' in page
