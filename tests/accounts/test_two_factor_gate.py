"""A staff account that has not finished its two-factor set-up reads nothing staff-only.

Every GET route (from the url_map, with real ids of a seeded contest) is opened by the
secretariat and by an expert whose role needs two-factor sign-in but who has not turned it
on: each answer is the way to the set-up page, or what a plain voter gets.
"""

from __future__ import annotations

import pytest

from prizes.core.clock import now
from tests.seeded import seed_contest
from tests.test_get_safety import get_urls

SETUP = "/account/two-factor"


@pytest.fixture
def two_factor_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR_ROLES", ("secretariat", "expert"))


def _walk(app, client, seeded) -> dict[str, tuple[int, str, str]]:
    answers = {}
    for name, url in get_urls(app, seeded).items():
        if name.startswith("static "):
            continue
        response = client.get(url)
        answers[name] = (response.status_code, response.location or "", url)
        response.close()
    return answers


@pytest.mark.parametrize("staff", ["secretariat", "expert"])
def test_staff_without_two_factor_reads_nothing_staff_only(app, db, two_factor_required, staff):
    seeded = seed_contest()
    seeded.voting_round.finalised_at = now()  # closed: results exist, not yet published
    seeded.edition.show_votes_to_experts = True
    db.commit()
    voter = app.test_client()
    voter.login(seeded.voter.email)
    as_voter = _walk(app, voter, seeded)
    person = app.test_client()
    person.login(getattr(seeded, staff).email)
    as_staff = _walk(app, person, seeded)
    leaks = {
        name: (status, url)
        for name, (status, location, url) in as_staff.items()
        if not (status == 302 and location.startswith(SETUP))
        and status != as_voter[name][0]
        and not name.startswith(("accounts.", "voting."))  # the voter's own pages
    }
    assert leaks == {}
    # The pages that show counts, explicitly, in each format.
    for kind in ("results", "results.json", "results.csv"):
        response = person.get(f"/vote/rounds/{seeded.voting_round.id}/{kind}")
        assert response.status_code in (302, 404), kind
        assert response.status_code == 404 or response.location.startswith(SETUP)
    # Private objects the role would open once two-factor is on.
    for url in (f"/projects/{seeded.private_entry.id}", f"/nominations/{seeded.submitted.id}"):
        assert person.get(url).status_code == 404, url
    # The staff pages proper send it to the set-up.
    staff_pages = ["/admin/", "/admin/users"] if staff == "secretariat" else ["/review/"]
    for url in staff_pages:
        assert person.get(url).location.startswith(SETUP), url


def test_the_same_account_with_two_factor_on_reads_them(app, client, db, two_factor_required):
    seeded = seed_contest()
    client.login(seeded.secretariat.email)
    # Turned on after this sign-in (as the set-up page does): the account is complete now.
    seeded.secretariat.totp_secret = "JBSWY3DPEHPK3PXP"
    seeded.secretariat.totp_enabled_at = now()
    db.commit()
    assert client.get(f"/vote/rounds/{seeded.voting_round.id}/results.json").status_code == 200
    assert client.get(f"/projects/{seeded.private_entry.id}").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("staff", ["secretariat", "expert"])
def test_staff_without_two_factor_changes_nothing_staff_only(app, db, two_factor_required, staff):
    """Every POST route the fuzzer knows as the secretariat's or an expert's, sent by the
    same role without two-factor: sent to the set-up (or refused), and nothing written."""
    from tests.dbstate import database_state
    from tests.fuzz.targets import TARGETS

    seeded = seed_contest()
    person = app.test_client()
    person.login(getattr(seeded, staff).email)
    routes = [
        (endpoint, url)
        for endpoint, target in TARGETS.items()
        if target.role == staff
        for url in target.urls(seeded)
    ]
    assert len(routes) > (10 if staff == "secretariat" else 2)
    for endpoint, url in routes:
        before = database_state(db)
        response = person.post_form(url)
        redirected = response.status_code == 302 and response.location.startswith(SETUP)
        assert redirected or response.status_code in (403, 404), (endpoint, response.status_code)
        assert database_state(db).changed_tables(before) == [], endpoint


def test_only_the_roles_that_need_two_factor_wait_for_it(app, client, db, two_factor_required):
    """A stakeholder who is also secretariat keeps the stakeholder's pages meanwhile."""
    from prizes.accounts.models import Role
    from tests.factories import make_user

    both = make_user(roles=(Role.STAKEHOLDER, Role.SECRETARIAT))
    db.commit()
    client.login(both.email)
    assert client.get("/projects/mine").status_code == 200
    assert client.get("/admin/").location.startswith(SETUP)
