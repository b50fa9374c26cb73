"""Cookie flags, the trusted proxy hops, hostile text shown escaped, and receipt guessing."""

from __future__ import annotations

import pytest
from flask import request

from prizes import create_app
from prizes.core.limits import limiter
from prizes.voting.services import new_receipt_code
from tests.conftest import PASSWORD
from tests.factories import make_entry, make_user

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _set_cookie(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


@pytest.mark.parametrize("secure", [False, True])
def test_session_and_remember_cookies_are_httponly_lax_and_secure_when_asked(
    app, client, db, monkeypatch, secure
):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", secure)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", secure)
    make_user(email="cookie@example.org")
    db.commit()
    response = client.post_form(
        "/login", {"email": "cookie@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    for name in (app.config["SESSION_COOKIE_NAME"], "remember_token"):
        cookie = _set_cookie(response, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


@pytest.mark.parametrize(
    ("hops", "seen"), [(0, "192.0.2.1"), (1, "203.0.113.9"), (2, "198.51.100.7")]
)
def test_the_client_address_is_taken_through_the_trusted_hops_only(app, tmp_path, hops, seen):
    """A client can write anything into X-Forwarded-For: only the entries added by the
    configured number of our own proxies are believed (none by default)."""
    probe = create_app({**app.config, "INSTANCE_PATH": str(tmp_path), "PROXY_HOPS": hops})
    probe.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    answer = probe.test_client().get(
        "/_address",
        headers={"X-Forwarded-For": "10.6.6.6, 198.51.100.7, 203.0.113.9"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert answer.get_data(as_text=True) == seen


def test_hostile_text_comes_back_escaped(client, db):
    entry = make_entry(title=f"Solar {HOSTILE}", organisation=f"Org {HOSTILE}")
    db.commit()
    for url in (f"/projects/{entry.id}", "/projects/?q=Solar"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert" in page, url


def test_receipt_codes_cannot_be_guessed(app, client, monkeypatch):
    """80 random bits per code: with two million votes a guess hits one with a chance of
    about 2e6 / 2**80 (1.7e-18), and the check answers a few guesses a minute per address."""
    codes = {new_receipt_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code.replace("-", "")) == 16 for code in codes)
    limiter.reset()
    monkeypatch.setitem(app.config, "LIMIT_RECEIPT", "3 per minute")
    statuses = [
        client.get("/vote/receipt", query_string={"code": new_receipt_code()}).status_code
        for _ in range(4)
    ]
    limiter.reset()
    assert statuses == [200, 200, 200, 429]
