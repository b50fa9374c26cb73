"""Hostile query strings on every GET route, as the role that reaches it: never a 5xx, and
nothing written (the GET safety rule of tests/test_get_safety.py, under fuzzing)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.dbstate import database_state
from tests.fuzz.strategies import FUZZ, QUERY_PARAMETERS, hostile, one_or_many
from tests.seeded import seed_contest
from tests.test_get_safety import AUDITED_READS, get_urls

SECRETARIAT_BLUEPRINTS = {"admin", "rounds", "editions", "experts", "exports"}
OWNER_PAGES = {
    "stocktaking.mine",
    "stocktaking.create",
    "stocktaking.edit",
    "nominations.start",
    "nominations.edit",
    "nominations.detail",
    "nominations.image",
}


def role_for(endpoint: str) -> str:
    """The seeded person who can open the page."""
    if endpoint.split(".")[0] in SECRETARIAT_BLUEPRINTS:
        return "secretariat"
    if endpoint.startswith("review."):
        return "expert"
    if endpoint in OWNER_PAGES:
        return "owner"
    return "voter"


query = st.dictionaries(
    st.one_of(st.sampled_from(QUERY_PARAMETERS), hostile.filter(bool)),
    one_or_many(hostile),
    max_size=4,
)


@pytest.mark.parametrize("role", ["voter", "owner", "expert", "secretariat"])
def test_hostile_query_strings_never_fail_or_write(app, client, db, role):
    seeded = seed_contest()
    client.login(getattr(seeded, role).email)
    routes = {
        name: url
        for name, url in get_urls(app, seeded).items()
        if role_for(name.split(" ")[0]) == role and name.split(" ")[0] != "static"
    }
    assert routes
    for name, url in routes.items():
        _fuzz_one(client, db, name, url)
    # Still signed in at the end: no page signed the user out.
    assert client.get("/account").status_code == 200


def _fuzz_one(client, db, name: str, url: str) -> None:
    allowed = AUDITED_READS.get(name.split(" ")[0], set())
    before = database_state(db)  # a GET writes nothing, so one snapshot serves every example

    @settings(FUZZ, max_examples=5)
    @given(values=query)
    def get(values: dict[str, object]) -> None:
        response = client.get(url, query_string=values)
        response.close()
        assert response.status_code < 500, (name, values)
        assert set(database_state(db).changed_tables(before)) - allowed == set(), name

    get()
