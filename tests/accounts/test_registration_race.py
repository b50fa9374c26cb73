"""Eight simultaneous registrations of aliases of one mailbox, against a real threaded
server with connections of its own: each gets the answer any registration gets, and the
mailbox has one account (on SQLite and, given PRIZES_TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from prizes import create_app
from prizes.accounts.models import User
from prizes.cli import upgrade_database
from prizes.core.limits import DEFAULT_LIMITS
from prizes.db import db
from tests.conftest import PASSWORD, separate_database
from tests.live import Browser

SCHEMA = "registration_race"
ALIASES = [
    "Jane.Doe@gmail.com",
    "janedoe@gmail.com",
    "jane.doe+prizes@gmail.com",
    "j.a.n.e.d.o.e@googlemail.com",
    "JANEDOE+2026@GMAIL.COM",
    "jane.doe+vote@googlemail.com",
    "janedoe+x@gmail.com",
    "Jane.Doe+wsis@gmail.com",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, int]]:
    instance = tmp_path_factory.mktemp("registration-race")
    with separate_database(instance, SCHEMA) as url:
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "registration-race-test",
                "DATABASE_URL": url,
                "MAIL_URL": None,
                "MAIL_OUTBOX_DIR": str(instance / "outbox"),
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 1024,
                "ARGON2_PARALLELISM": 1,
                **dict.fromkeys(DEFAULT_LIMITS, "100000 per minute"),
                "REGISTRATION_MIN_SECONDS": 0,
                "REGISTRATION_PROOF_OF_WORK": False,
                "JOBS_IMMEDIATE": True,
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


def _register_form(browser: Browser) -> dict[str, str]:
    _status, page = browser.request("GET", "/register")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    started = re.search(r'name="started" type="hidden" value="([^"]+)"', page)
    assert token and started, page[:300]
    return {"csrf_token": token.group(1), "started": started.group(1)}


def test_eight_simultaneous_aliases_of_one_mailbox_make_one_account(server):
    app, port = server
    browsers = [Browser(port) for _ in ALIASES]
    forms = [_register_form(browser) for browser in browsers]
    start = threading.Barrier(len(ALIASES))
    answers: list[tuple[int, str]] = []

    def register(index: int) -> None:
        form = {**forms[index], "email": ALIASES[index], "password": PASSWORD, "confirm": PASSWORD}
        start.wait()
        status, page = browsers[index].request("POST", "/register", form)
        answers.append((status, "Check your mail" in page or "check your mail" in page.lower()))

    threads = [threading.Thread(target=register, args=(i,)) for i in range(len(ALIASES))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(answers) == {(200, True): len(ALIASES)}
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1
        assert db.session.scalar(select(User.email_canonical)) == "janedoe@gmail.com"
