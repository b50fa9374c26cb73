"""Every integer in a path or a query is bounded before it reaches the database.

A key column is a 32-bit integer on PostgreSQL: 2^31 in a query raises "integer out of
range" there, and 2^63 does not fit a 64-bit one anywhere. Each route with an integer
argument (read from the url_map) is opened with both, as the secretariat (who reaches the
most pages) and as a visitor: a 404, never a 500.
"""

from __future__ import annotations

import re

import pytest

from prizes.core.params import MAX_ID, IdConverter
from tests.seeded import seed_contest, url_values

TOO_LARGE = (2**31, 2**63)


def _int_arguments(rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IdConverter)]


def _rules_with_ints(app):
    return [rule for rule in app.url_map.iter_rules() if _int_arguments(rule)]


def test_the_walk_covers_the_routes_with_numbers(app):
    assert len(_rules_with_ints(app)) > 30
    assert MAX_ID == 2**31 - 1


@pytest.mark.parametrize("number", [0, 7, 99, 2**31 - 1, 2**31 - 2, 1999999999, 2147483639])
def test_the_id_pattern_takes_every_number_up_to_the_bound(number):
    assert re.fullmatch(IdConverter.regex, str(number))


@pytest.mark.parametrize("number", [2**31, 2**31 + 9, 2147483650, 2147490000, 3 * 10**9, 2**63])
def test_the_id_pattern_refuses_every_number_past_the_bound(number):
    assert not re.fullmatch(IdConverter.regex, str(number))


@pytest.mark.parametrize("who", ["anonymous", "secretariat"])
def test_every_route_with_an_integer_answers_404_to_numbers_too_large(app, client, db, who):
    seeded = seed_contest()
    if who == "secretariat":
        client.login(seeded.secretariat.email)
    values = url_values(seeded)
    expected = {404} if who == "secretariat" else {404, 302}  # a visitor is sent to sign in
    failures = {}
    for rule in _rules_with_ints(app):
        arguments = {arg: values.get(arg, 1) for arg in rule.arguments}
        for name in _int_arguments(rule):
            for number in TOO_LARGE:
                path = rule.build({**arguments, name: number}, append_unknown=False)[1]
                for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                    response = client.get(path) if method == "GET" else client.post_form(path)
                    response.close()
                    if response.status_code not in expected:
                        failures[f"{method} {path}"] = response.status_code
    assert failures == {}


@pytest.mark.parametrize("number", TOO_LARGE)
def test_numbers_too_large_in_a_query_are_refused_with_400(app, client, db, number):
    seeded = seed_contest()
    client.login(seeded.secretariat.email)
    for path in ("/projects/", "/nominated", "/admin/users", "/admin/experts/"):
        for parameter in ("page", "edition"):
            response = client.get(path, query_string={parameter: number})
            assert response.status_code in (200, 400), (path, parameter)
    assert client.get("/admin/experts/", query_string={"edition": number}).status_code == 400
    assert client.get("/projects/", query_string={"page": number}).status_code == 400
    ballot = f"/vote/{seeded.voting_round.id}/"
    client.post_form("/logout")
    client.login(seeded.voter.email)
    assert client.get(ballot, query_string={"voted": number}).status_code == 400
    assert client.get(ballot, query_string={"voted": "1"}).status_code == 200
    assert client.get("/projects/", query_string={"page": "2"}).status_code == 200
