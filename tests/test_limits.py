"""Rate limits: a clear 429 page, counted per address and per account."""

from __future__ import annotations

import pytest

from prizes.core.limits import limiter
from tests.factories import make_user


@pytest.fixture
def limits(app):
    limiter.reset()
    yield app.config
    limiter.reset()


def test_login_attempts_for_one_account_are_limited(client, db, limits, monkeypatch):
    monkeypatch.setitem(limits, "LIMIT_LOGIN_ACCOUNT", "3 per minute")
    make_user(email="target@example.org")
    db.commit()
    statuses = [
        client.post_form(
            "/login", {"email": "target@example.org", "password": "guess guess"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    page = client.post_form("/login", {"email": "TARGET@example.org", "password": "x" * 9})
    assert page.status_code == 429  # the same mailbox, written differently
    assert "too many requests" in page.get_data(as_text=True).lower()
    # Another account from the same address is still served.
    other = client.post_form("/login", {"email": "other@example.org", "password": "guess guess"})
    assert other.status_code == 422


def test_login_attempts_from_one_address_are_limited(client, db, limits, monkeypatch):
    monkeypatch.setitem(limits, "LIMIT_LOGIN_ADDRESS", "3 per minute")
    statuses = [
        client.post_form(
            "/login", {"email": f"u{n}@example.org", "password": "guess guess"}
        ).status_code
        for n in range(4)
    ]
    assert statuses[-1] == 429
    # Viewing the page is not limited, only sending it.
    assert client.get("/login").status_code == 200


def test_registration_and_mail_requests_are_limited(client, db, limits, monkeypatch):
    monkeypatch.setitem(limits, "LIMIT_REGISTER", "2 per minute")
    monkeypatch.setitem(limits, "LIMIT_MAIL_ACCOUNT", "1 per minute")
    data = {"password": "long enough words", "confirm": "long enough words"}
    codes = [
        client.post_form("/register", {**data, "email": f"r{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    first = client.post_form("/password/forgot", {"email": "r0@example.org"})
    second = client.post_form("/password/forgot", {"email": "r0@example.org"})
    assert (first.status_code, second.status_code) == (200, 429)


def test_successful_sign_ins_do_not_count_against_the_account(client, db, limits, monkeypatch):
    monkeypatch.setitem(limits, "LIMIT_LOGIN_ACCOUNT", "2 per minute")
    make_user(email="owner@example.org")
    db.commit()
    for _ in range(3):
        client.login("owner@example.org")
        client.post_form("/logout")
