"""Fifty simultaneous requests for the same vote, against a real threaded server.

The data here must be committed for the server's own connections to see it, so this module
uses a database of its own: a fresh SQLite file, or with PRIZES_TEST_DATABASE_URL a schema
of its own in that PostgreSQL database, dropped at the end.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.core.limits import DEFAULT_LIMITS
from prizes.db import db
from prizes.voting.models import Vote
from tests.conftest import PASSWORD, separate_database
from tests.live import Browser

SCHEMA = "concurrency_test"
REQUESTS = 50


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, int]]:
    instance = tmp_path_factory.mktemp("race-instance")
    with separate_database(instance, SCHEMA) as url:
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "race-test",
                "DATABASE_URL": url,
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 1024,
                "ARGON2_PARALLELISM": 1,
                **dict.fromkeys(DEFAULT_LIMITS, "100000 per minute"),
            }
        )
        with app.app_context():
            upgrade_database()
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield app, httpd.server_port
        httpd.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _contest(app: Any) -> tuple[int, int, int, str]:
    """A round with one category of two projects, and a ready voter; returns the ids."""
    from tests.factories import make_edition, make_nomination, make_round, make_user

    with app.app_context():
        edition = make_edition()
        nominations = [make_nomination(edition=edition) for _ in range(2)]
        voting_round = make_round(edition=edition, nominations=nominations)
        voter = make_user()
        db.session.commit()
        return voting_round.id, nominations[0].id, nominations[1].id, voter.email


def test_fifty_simultaneous_votes_store_exactly_one(server):
    app, port = server
    round_id, first, second, email = _contest(app)
    browser = Browser(port)
    status, _page = browser.request(
        "POST",
        "/login",
        {"email": email, "password": PASSWORD, "csrf_token": browser.token("/login")},
    )
    assert status == 302
    path = f"/vote/{round_id}/1"
    token = browser.token(path)
    start = threading.Barrier(REQUESTS)
    statuses: list[int] = []

    def vote(index: int) -> None:
        start.wait()
        choice = first if index % 2 else second
        status, _ = browser.request("POST", path, {"nomination": choice, "csrf_token": token})
        statuses.append(status)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(statuses) == {302: 1, 409: REQUESTS - 1}
    with app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 1
