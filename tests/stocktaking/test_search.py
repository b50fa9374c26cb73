"""Search and browse of entries and nominated projects, on whichever database runs the suite."""

from __future__ import annotations

import pytest

from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.nominations.models import NominationStatus
from prizes.nominations.queries import count_nominated_by_category, search_nominated
from prizes.stocktaking.queries import EntryFilters, Sort, search_entries
from prizes.stocktaking.search import terms
from tests.factories import get_category, make_edition, make_entry, make_nomination


@pytest.fixture
def entries(db):
    made = {
        "title_match": make_entry(
            title="Telemedicine for rural clinics",
            description="Video consultations.",
            country="KE",
            action_lines=(ActionLine.C7,),
            sdgs=(3,),
            stakeholder_type=StakeholderType.GOVERNMENT,
        ),
        "description_match": make_entry(
            title="Health data exchange",
            description="Links rural clinics with telemedicine hubs.",
            country="IN",
            action_lines=(ActionLine.C7,),
            sdgs=(3, 9),
        ),
        "organisation_match": make_entry(
            title="School connectivity",
            organisation="Telemedicine Alliance",
            description="Fibre.",
            country="KE",
            action_lines=(ActionLine.C2,),
            sdgs=(9,),
        ),
        "other": make_entry(
            title="Coding clubs for girls",
            description="Weekly lessons after school.",
            country="BR",
            action_lines=(ActionLine.C4,),
            sdgs=(4, 5),
        ),
    }
    db.commit()
    return made


def _titles(page):
    return [item.title for item in page.items]


def test_text_search_ranks_title_matches_first(entries):
    page = search_entries(EntryFilters(text="telemedicine"), page=1)
    assert page.total == 3
    assert _titles(page)[0] == "Telemedicine for rural clinics"
    assert "Coding clubs for girls" not in _titles(page)


def test_every_word_must_match_and_words_match_as_prefixes(entries):
    assert _titles(search_entries(EntryFilters(text="telemed rural"), page=1))[:1] == [
        "Telemedicine for rural clinics"
    ]
    assert search_entries(EntryFilters(text="telemedicine girls"), page=1).total == 0


def test_entries_edited_later_are_found_by_their_new_words(db, entries):
    entries["other"].title = "Robotics clubs for girls"
    db.commit()
    assert _titles(search_entries(EntryFilters(text="robotics"), page=1)) == [
        "Robotics clubs for girls"
    ]
    assert search_entries(EntryFilters(text="coding clubs"), page=1).total == 0


@pytest.mark.parametrize(
    "hostile",
    [
        '"unbalanced',
        "AND OR NOT",
        "title:foo",
        "a* OR (b",
        "'; DROP TABLE x; --",
        "NEAR(a b)",
        "ü ß 日本",
    ],
)
def test_any_query_text_is_safe(entries, hostile):
    search_entries(EntryFilters(text=hostile), page=1)  # no error is the point


def test_filters_combine(entries):
    kenya_c7 = EntryFilters(country="KE", action_line=ActionLine.C7)
    assert _titles(search_entries(kenya_c7, page=1)) == ["Telemedicine for rural clinics"]
    assert search_entries(EntryFilters(sdg=9), page=1).total == 2
    government = EntryFilters(stakeholder_type=StakeholderType.GOVERNMENT)
    assert _titles(search_entries(government, page=1)) == ["Telemedicine for rural clinics"]
    by_category = EntryFilters(category=get_category(4))  # capacity building: C4
    assert _titles(search_entries(by_category, page=1)) == ["Coding clubs for girls"]


def test_sorting_and_pagination(entries):
    page = search_entries(EntryFilters(sort=Sort.TITLE), page=1, per_page=3)
    assert page.total == 4 and page.pages == 2
    assert _titles(page) == [
        "Coding clubs for girls",
        "Health data exchange",
        "School connectivity",
    ]
    assert _titles(search_entries(EntryFilters(sort=Sort.TITLE), page=2, per_page=3)) == [
        "Telemedicine for rural clinics"
    ]


def test_nominated_list_counts_per_category_and_hides_private_statuses(db, entries):
    edition = make_edition()
    make_nomination(edition=edition, entry=entries["title_match"], category_number=10)
    make_nomination(edition=edition, entry=entries["description_match"], category_number=10)
    make_nomination(edition=edition, entry=entries["other"], category_number=4)
    make_nomination(
        edition=edition,
        entry=entries["organisation_match"],
        category_number=2,
        status=NominationStatus.SUBMITTED,
    )
    db.commit()
    counts = count_nominated_by_category(edition, EntryFilters())
    assert counts == {get_category(10).id: 2, get_category(4).id: 1}
    found = search_nominated(edition, EntryFilters(text="telemedicine"), page=1)
    assert found.items[0].entry.title == "Telemedicine for rural clinics"
    assert found.total == 2  # the submitted one is not public yet
    e_health = EntryFilters(category=get_category(10), text="rural")
    assert search_nominated(edition, e_health, page=1).total == 2
    assert count_nominated_by_category(edition, e_health) == {get_category(10).id: 2}


def test_terms_drop_operators_and_punctuation():
    assert terms('"Rural" AND broad-band*') == ["rural", "and", "broad", "band"]


def test_search_page_filters_and_counts(client, entries):
    page = client.get("/projects/?q=telemedicine&country=KE").get_data(as_text=True)
    assert "Telemedicine for rural clinics" in page and "School connectivity" in page
    assert "Health data exchange" not in page
    assert client.get("/projects/?sdg=99").status_code == 400
    assert client.get("/projects/?year=abc").status_code == 400
    assert client.get("/projects/?page=999").status_code == 200


def test_list_pages_cost_the_same_for_any_number_of_rows(client, db, count_queries):
    edition = make_edition()

    def page_queries(extra: int) -> tuple[int, int]:
        for _ in range(extra):
            make_nomination(edition=edition, entry=make_entry(sdgs=(3, 4)))
        db.commit()
        with count_queries() as nominated:
            assert client.get("/nominated").status_code == 200
        with count_queries() as projects:
            assert client.get("/projects/").status_code == 200
        return len(nominated), len(projects)

    assert page_queries(2) == page_queries(12)


def test_a_query_naming_a_path_argument_is_not_taken_for_it(client, db):
    """``?year=`` on the current edition's list: its links keep the query but not the year,
    which belongs to the path of another rule of the same endpoint."""
    edition = make_edition()
    make_nomination(edition=edition, entry=make_entry())
    db.commit()
    assert client.get("/nominated", query_string={"year": ""}).status_code == 200
    for year in (" ", "abc", "2025"):  # a form error at most, never a failed page
        assert client.get("/nominated", query_string={"year": year}).status_code in (200, 400)
