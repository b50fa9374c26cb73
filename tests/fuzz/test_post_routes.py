"""Hostile values POSTed to every form, signed in as the role that reaches it: the answer
is never a 5xx, and a refused request (4xx) leaves every table's rows as they were.

The routes come from the url_map, so a new POST route without a strategy in
``tests/fuzz/targets.py`` fails ``test_every_post_route_has_a_fuzz_strategy``.
"""

from __future__ import annotations

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prizes.core.clock import now
from tests.conftest import PASSWORD
from tests.dbstate import database_state
from tests.factories import make_user
from tests.fuzz.strategies import FUZZ, form_data
from tests.fuzz.targets import TARGETS
from tests.seeded import Seeded, seed_contest


def _post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or set())}


def test_every_post_route_has_a_fuzz_strategy(app):
    assert _post_endpoints(app) - set(TARGETS) == set(), "add these to tests/fuzz/targets.py"
    assert set(TARGETS) - _post_endpoints(app) == set(), "these routes are gone"


def _sign_in(client, db, seeded: Seeded, role: str) -> None:
    if role == "anonymous":
        return
    if role == "pending_two_factor":
        # Password accepted, the second factor awaited: the state /login/code serves.
        user = make_user()
        user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), now()
        db.commit()
        first = client.post_form("/login", {"email": user.email, "password": PASSWORD})
        assert first.location == "/login/code"
        return
    client.login(getattr(seeded, role).email)


@pytest.mark.parametrize("endpoint", sorted(TARGETS))
def test_hostile_posts_never_fail_or_half_write(app, client, db, endpoint):
    target = TARGETS[endpoint]
    seeded = seed_contest()
    _sign_in(client, db, seeded, target.role)
    urls, fields = target.urls(seeded), target.fields(seeded)
    known = {"state": database_state(db)}

    @FUZZ
    @given(url=st.sampled_from(urls), data=form_data(fields, target.files))
    def post(url: str, data: dict[str, object]) -> None:
        before = known["state"]
        response = client.post_form(url, data)
        assert response.status_code < 500, (url, data)
        after = database_state(db)
        if response.status_code >= 400:
            changed = set(before.changed_tables(after)) - target.writes_when_refused
            assert changed == set(), (url, response.status_code, changed, data)
        known["state"] = after

    post()


@pytest.mark.parametrize("page", ["/login/code", "/account/two-factor"])
def test_a_non_ascii_two_factor_code_is_refused(client, db, page):
    seeded = seed_contest()
    _sign_in(client, db, seeded, "pending_two_factor" if page == "/login/code" else "voter")
    before = database_state(db)
    response = client.post_form(page, {"code": "12345\u00e9"})
    assert response.status_code == 422
    assert database_state(db).changed_tables(before) == []
