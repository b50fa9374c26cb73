"""Whether a project can be nominated now, said before any form is written: on its page
(no Nominate button, the reason) and as a filter of the stocktaking search."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from prizes.core.clock import now
from prizes.nominations.models import NominationStatus
from tests.factories import make_edition, make_entry, make_nomination

ALREADY = "This project is already nominated in this edition."
WON = "The project won in an earlier edition, so it is not eligible again."


@pytest.fixture
def editions(db):
    past = make_edition(year=2801, start=now() - timedelta(days=400))
    current = make_edition(year=2802)
    db.commit()
    return past, current


@pytest.fixture
def projects(db, editions):
    past, current = editions
    free = make_entry(title="Free project alpha")
    drafted = make_entry(title="Drafted project alpha")  # a draft holds no place
    make_nomination(edition=current, entry=drafted, status=NominationStatus.DRAFT)
    submitted = make_entry(title="Submitted project alpha")
    make_nomination(edition=current, entry=submitted, status=NominationStatus.SUBMITTED)
    winner = make_entry(title="Winner project alpha", organisation="Alpha Works 1")
    make_nomination(edition=past, entry=winner, status=NominationStatus.WINNER)
    # The same organisation's winner, entered again as a new entry.
    again = make_entry(title="winner PROJECT alpha", organisation="Alpha Works 1")
    lost = make_entry(title="Lost project alpha")
    make_nomination(
        edition=past, entry=lost, status=NominationStatus.REJECTED, status_reason="Late."
    )
    db.commit()
    return {
        "free": free,
        "drafted": drafted,
        "submitted": submitted,
        "winner": winner,
        "again": again,
        "lost": lost,
    }


def _page(client, entry) -> str:
    response = client.get(f"/projects/{entry.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_project_page_says_why_it_cannot_be_nominated(client, login_as, projects):
    login_as("stakeholder")
    for name in ("free", "drafted", "lost"):
        page = _page(client, projects[name])
        assert f"/projects/{projects[name].id}/nominate" in page, name
        assert 'id="not-nominable"' not in page
    expected = {"submitted": ALREADY, "winner": WON, "again": WON}
    for name, reason in expected.items():
        page = _page(client, projects[name])
        assert f"/projects/{projects[name].id}/nominate" not in page, name
        assert reason in page, name


def test_the_public_is_not_told_of_a_submission_not_yet_public(client, projects):
    entry = projects["submitted"]
    page = _page(client, entry)
    assert ALREADY not in page and f"/projects/{entry.id}/nominate" not in page


def test_the_nomination_form_refuses_before_it_is_written(client, login_as, projects):
    login_as("stakeholder")
    for name, reason in (("submitted", ALREADY), ("winner", WON)):
        response = client.get(f"/projects/{projects[name].id}/nominate")
        assert response.status_code == 302
        assert response.location.endswith(f"/projects/{projects[name].id}")
        assert reason in client.get(response.location).get_data(as_text=True)
    assert client.get(f"/projects/{projects['free'].id}/nominate").status_code == 200


def _found(client, query: str) -> set[str]:
    response = client.get(f"/projects/?{query}")
    assert response.status_code == 200
    return set(
        re.findall(r'<h2><a href="/projects/\d+">([^<]+)</a>', response.get_data(as_text=True))
    )


def test_the_search_finds_what_can_be_nominated_now(client, projects):
    everything = _found(client, "q=alpha")
    assert len(everything) == 6
    nominable = _found(client, "q=alpha&nominable=y")
    assert nominable == {"Free project alpha", "Drafted project alpha", "Lost project alpha"}
    assert _found(client, "nominable=y&sort=title") == nominable
    page = client.get("/projects/").get_data(as_text=True)
    assert 'name="nominable"' in page and "Can be nominated now" in page


def test_with_no_edition_open_nothing_can_be_nominated(client, db):
    make_entry(title="Lonely project")
    db.commit()
    response = client.get("/projects/?nominable=y")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "0 projects found" in text and "No edition is open for submissions now." in text
    assert _found(client, "") == {"Lonely project"}


def test_the_filter_costs_the_same_for_any_number_of_rows(client, db, editions, count_queries):
    past, current = editions

    def queries(extra: int) -> int:
        for _ in range(extra):
            make_nomination(edition=current, entry=make_entry(), status=NominationStatus.SUBMITTED)
            make_nomination(edition=past, entry=make_entry(), status=NominationStatus.WINNER)
            make_entry()
        db.commit()
        with count_queries() as statements:
            assert client.get("/projects/?nominable=y").status_code == 200
        return len(statements)

    assert queries(2) == queries(10)
