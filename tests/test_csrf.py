"""Every route that accepts POST refuses a request without a valid CSRF token."""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter


def _example(converter: object) -> object:
    """A value the route accepts for one of its arguments."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _post_routes(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()):
            values = {name: _example(rule._converters[name]) for name in rule.arguments}
            urls.append(rule.build(values, append_unknown=False)[1])
    return urls


def test_there_are_post_routes_to_check(app):
    assert len(_post_routes(app)) > 25


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_post_route_refuses_a_missing_or_forged_token(app, client, login_as, token):
    login_as("secretariat")
    for url in _post_routes(app):
        data = {"csrf_token": token} if token else {}
        response = client.post(url, data=data)
        assert response.status_code == 400, (url, response.status_code)
