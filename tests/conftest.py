"""Fixtures: the app on a real database (SQLite, or PostgreSQL given
``PRIZES_TEST_DATABASE_URL``), each test inside a transaction that is rolled back."""

from __future__ import annotations

import contextvars
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from prizes import create_app, jobs
from prizes.cli import upgrade_database
from prizes.core.limits import DEFAULT_LIMITS
from prizes.core.redis_client import cache_breaker, queue_breaker
from prizes.db import db as database
from prizes.db import make_engine

TEST_DATABASE_URL = os.environ.get("PRIZES_TEST_DATABASE_URL")
# The Redis server the tests may use (each test takes its own numbered database of it); a
# second run of the suite on the same machine points this at a server of its own.
TEST_REDIS_SERVER = os.environ.get("PRIZES_TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
PASSWORD = "correct horse battery staple"

_CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
_STARTED_INPUT = re.compile(r'name="started" type="hidden" value="([^"]+)"')


class Client(FlaskClient):
    """A test client whose every request runs in a fresh context, as on a real server.

    Without this, a request would share the test's application context (and so its database
    session and its signed-in user) instead of getting its own.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # A streamed body (the audit trail's CSV) is read in the request's own context too,
        # as a server reads it, not later in the test's.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)

    def hidden_fields(self) -> dict[str, str]:
        """The hidden fields a browser would send back: the CSRF token, and on the
        registration form the moment it was served."""
        page = self.get("/register").get_data(as_text=True)
        match = _CSRF_INPUT.search(page)
        assert match, "no CSRF token on the page"
        started = _STARTED_INPUT.search(page)
        assert started, "no start time on the registration form"
        return {"csrf_token": match.group(1) or match.group(2), "started": started.group(1)}

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST like a browser does: with the form's hidden fields, and on the registration
        form the solved proof of work."""
        hidden = self.hidden_fields()
        if url.startswith("/register"):
            hidden["altcha"] = self.proof_of_work()
        else:
            del hidden["started"]
        return self.post(url, data={**hidden, **(data or {})}, **kwargs)

    def proof_of_work(self) -> str:
        """What the ALTCHA widget sends: a challenge fetched from the site, solved (here by
        the altcha library, in Python; the test settings make it cheap)."""
        import altcha

        challenge = altcha.Challenge.from_dict(self.get("/pow/challenge").get_json())
        solution = altcha.solve_challenge(challenge, timeout=30)
        assert solution is not None, "the proof-of-work challenge was not solved"
        return altcha.Payload(challenge, solution).to_base64()

    def login(self, email: str, password: str = PASSWORD) -> Any:
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts servers and crashes them (seconds each); `-m 'not slow'` skips"
    )


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def separate_database(folder: Path, schema: str) -> Iterator[str]:
    """The URL of a database for servers or threads with connections of their own, which
    see only committed data (not the test's rolled-back transaction): a SQLite file in
    ``folder``, or with PRIZES_TEST_DATABASE_URL a fresh schema of that PostgreSQL database,
    dropped afterwards (dispose of the engines using it first)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{folder / f'{schema}.db'}"
        return
    engine = create_engine(TEST_DATABASE_URL)
    drop = text(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    with engine.begin() as conn:
        conn.execute(drop)
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    joiner = "&" if "?" in TEST_DATABASE_URL else "?"
    try:
        yield f"{TEST_DATABASE_URL}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(drop)
        engine.dispose()


def redis_test_url(database: int) -> str:
    """The URL of one numbered database of the test Redis server."""
    return f"{TEST_REDIS_SERVER}/{database}"


def require_redis(url: str) -> None:
    """Empty the Redis database at ``url`` for the test; skip without Redis, unless the run
    requires it (CI sets PRIZES_REDIS_REQUIRED and starts one)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1).flushdb()
    except redis.RedisError:
        if os.environ.get("PRIZES_REDIS_REQUIRED"):
            raise
        pytest.skip(f"no Redis at {TEST_REDIS_SERVER} (CI starts one and requires it)")


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-only-secret-key",
            "DATABASE_URL": database_url,
            "MAIL_URL": None,
            "MAIL_OUTBOX_DIR": str(instance / "outbox"),
            # Cheap hashing keeps the suite fast; production uses the defaults in config.py.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1,
            # Out of reach for the suite; tests/test_limits.py lowers them where they matter.
            **dict.fromkeys(DEFAULT_LIMITS, "100000 per minute"),
            "REGISTRATION_MIN_SECONDS": 0,
            # The proof of work stays on, made cheap: tests solve it (Client.proof_of_work).
            "POW_COST": 1,
            "POW_MAX_NUMBER": 4,
            "JOBS_IMMEDIATE": True,
            # Two-factor sign-in has its own tests (tests/accounts/test_two_factor.py).
            "REQUIRE_TWO_FACTOR_ROLES": (),
        }
    )
    app.test_client_class = Client
    with app.app_context():
        upgrade_database()
    yield app
    with app.app_context():
        database.engine.dispose()


@pytest.fixture(autouse=True)
def db(app: Flask) -> Iterator[Session]:
    """The test's session, inside a transaction rolled back afterwards; code may commit."""
    jobs.init_app(app)  # other tests may have made apps of their own, which rebind the queue
    cache_breaker.closed()  # a Redis another test broke is not this test's
    queue_breaker.closed()
    with app.app_context():
        connection = database.engine.connect()
        transaction = connection.begin()
        original = app.extensions["prizes.db"].session_factory
        database.bind_to(app, connection)
        try:
            yield database.session
        finally:
            database.session.close()
            app.extensions["prizes.db"].session_factory = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def outbox(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The offline mailbox, empty at the start of the test."""
    from prizes.core.mail import read_outbox

    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    return read_outbox


@pytest.fixture
def count_queries(db: Session) -> Any:
    """``with count_queries() as statements:`` lists the SQL run inside the block, requests
    included (they share the test's connection)."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        connection = db.connection()
        event.listen(connection, "before_cursor_execute", on_execute)
        try:
            yield statements
        finally:
            event.remove(connection, "before_cursor_execute", on_execute)

    return counting


@pytest.fixture
def login_as(client: Client) -> Any:
    """Sign the client in as a new user of ``role`` ("voter", "stakeholder", ...)."""
    from tests.factories import make_user_with_role

    def _login(role: str, **kwargs: Any) -> Any:
        user = make_user_with_role(role, **kwargs)
        database.session.commit()
        client.login(user.email)
        return user

    return _login
