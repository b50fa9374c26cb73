"""Rate limits: a clear 429 page, counted per address and per account."""

from __future__ import annotations

import pytest

from prizes.cli import upgrade_database
from prizes.core.limits import limiter
from tests.conftest import Client, redis_test_url, require_redis
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
    # When to come back, without the X-RateLimit-* headers (each costs a read of the counters).
    assert second.headers["Retry-After"] == "60"
    assert not [name for name, _value in second.headers if name.startswith("X-RateLimit")]


def test_successful_sign_ins_do_not_count_against_the_account(client, db, limits, monkeypatch):
    monkeypatch.setitem(limits, "LIMIT_LOGIN_ACCOUNT", "2 per minute")
    make_user(email="owner@example.org")
    db.commit()
    for _ in range(3):
        client.login("owner@example.org")
        client.post_form("/logout")


def test_limits_hold_across_workers_through_redis(app, tmp_path):
    """Two app instances (as two workers or hosts) share one Redis: the limit counts both."""

    import redis

    from prizes import create_app

    url = redis_test_url(15)
    require_redis(url)
    settings = {
        **{k: v for k, v in app.config.items() if k.isupper()},
        "REDIS_URL": url,
        "RATELIMIT_STORAGE_URI": url,
        "LIMIT_LOGIN_ADDRESS": "3 per minute",
        # A database of their own: the suite's holds an open transaction.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'workers.db'}",
    }
    workers = [
        create_app({**settings, "INSTANCE_PATH": str(tmp_path / name)}) for name in ("one", "two")
    ]
    with workers[0].app_context():
        upgrade_database()
    statuses = []
    for attempt in range(4):
        worker = workers[attempt % 2]
        worker.test_client_class = Client
        form = {"email": "x@example.org", "password": "wrong password"}
        statuses.append(worker.test_client().post_form("/login", form).status_code)
    redis.Redis.from_url(url).flushdb()
    assert statuses == [422, 422, 422, 429]
