"""Every POST route with Redis out of reach, refused and hung: never a 500, never a request
held past the timeout. The limiter, the cache and the readiness probe talk to a real socket
(a closed port, or a server that accepts and never answers); the app is the test app, on the
test database, each route posted once by the role that reaches it with plausible values."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

from prizes.core.limits import limiter, storage_is_down
from prizes.core.redis_client import cache_breaker, connection_options
from tests.conftest import free_port
from tests.fuzz.targets import TARGETS
from tests.fuzz.test_post_routes import _sign_in
from tests.seeded import seed_contest
from tests.test_redis_outage import HELD_AT_MOST, HungRedis


@pytest.fixture(params=["refused", "hung"])
def broken_redis(request, app, monkeypatch) -> Iterator[str]:
    hung = HungRedis() if request.param == "hung" else None
    url = f"redis://127.0.0.1:{hung.port if hung else free_port()}/0"
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "REDIS_RETRY_SECONDS", 0.5)  # the breaker closes often
    monkeypatch.setitem(app.extensions, "prizes.redis", {})
    # The limiter as it is built for production with this Redis (its storage is made once,
    # when the app is): short timeouts, no retries, the in-memory fallback on.
    storage = storage_from_string(url, **connection_options(app))
    monkeypatch.setattr(limiter, "_storage", storage)
    monkeypatch.setattr(limiter, "_limiter", STRATEGIES["fixed-window"](storage))
    monkeypatch.setattr(limiter, "_storage_dead", False)
    cache_breaker.closed()
    try:
        yield request.param
    finally:
        cache_breaker.closed()
        if hung is not None:
            hung.close()


def _form(target, seeded) -> dict[str, object]:
    return {name: (values[0] if values else "x") for name, values in target.fields(seeded).items()}


def test_every_post_route_answers_without_redis_quickly_and_never_500(app, db, broken_redis: str):
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    seeded = seed_contest()
    answers: list[tuple[str, int, float]] = []
    for endpoint, target in sorted(TARGETS.items()):
        client = app.test_client()
        _sign_in(client, db, seeded, target.role)
        url = target.urls(seeded)[0]
        started = time.monotonic()
        response = client.post_form(url, _form(target, seeded))
        answers.append((endpoint, response.status_code, time.monotonic() - started))
        if response.status_code == 503:  # when to come back, and never cached
            # 60 s, as Flask-Limiter's headers count it down (it rounds to the second)
            assert 55 <= int(response.headers["Retry-After"]) <= 60
            assert response.headers["Cache-Control"] == "no-store"
        db.rollback()
    assert len(answers) == len(TARGETS)
    assert storage_is_down()  # the limits met the broken Redis and fell back to memory
    failed = [answer for answer in answers if answer[1] >= 500 and answer[1] != 503]
    assert failed == [], failed
    slow = [answer for answer in answers if answer[2] > HELD_AT_MOST]
    assert slow == [], slow
    # The mail-sending routes refuse for the moment; every other one answered as usual.
    refused = {endpoint for endpoint, status, _seconds in answers if status == 503}
    assert refused <= {
        "accounts.register",
        "accounts.resend_verification",
        "accounts.forgot_password",
    }, answers
