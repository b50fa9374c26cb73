"""Hostile values in every field of the public and signed-in forms: never a 500, nothing
half-written. Property-based (hypothesis): long, unicode, control characters, markup."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from prizes.accounts.models import User
from tests.fuzz.strategies import QUERY_PARAMETERS

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
        min_size=1000,
        max_size=6000,
    ),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "=cmd|' /C calc'!A0",
            "\u202e\u200b",
            "%00",
            "{{7*7}}",
            "${jndi:ldap://x}",
            "9" * 40,
            "-1",
            "1e309",
        ]
    ),
)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

FORMS = {
    "/register": ["email", "password", "confirm", "nickname", "altcha"],
    "/login": ["email", "password", "remember"],
    "/password/forgot": ["email"],
    "/verify/resend": ["email"],
}
SEARCHES = ["/projects/", "/nominated", "/vote/receipt"]


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(sorted({f for fs in FORMS.values() for f in fs})), hostile_text
    )
)
def test_public_forms_never_fail(client, db, values):
    users_before = db.scalar(select(func.count(User.id)))
    for url in FORMS:
        response = client.post_form(url, values)
        assert response.status_code < 500, (url, values)
    # A registration may succeed only with a valid address and matching passwords.
    if db.scalar(select(func.count(User.id))) > users_before:
        assert values.get("password") == values.get("confirm")


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(QUERY_PARAMETERS), hostile_text.filter(lambda v: "\x00" not in v)
    )
)
def test_search_pages_never_fail(client, values):
    for url in SEARCHES:
        response = client.get(url, query_string=values)
        assert response.status_code < 500, (url, values)


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(["organisation_name", "organisation_type", "country"]), hostile_text
    )
)
def test_the_profile_form_never_fails(client, login_as, db, values):
    login_as("voter")
    response = client.post_form("/account", values)
    assert response.status_code < 500, values
