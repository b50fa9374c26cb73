"""The database out of reach: every page answers 503 with the site's own page (JSON for the
JSON exports), a Retry-After header and nothing of the error itself; /readyz says the same;
and the app serves again by itself once the database is back, without a restart.

Real databases only: a SQLite file whose folder is missing or moved away, and a PostgreSQL
URL on a port where nothing listens. PostgreSQL stopping and starting again under load is in
tests/test_durability.py.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

from flask import Flask

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.db import db

SECRET_PASSWORD = "pg-secret-in-the-url"  # must never reach a page or header


def _app(url: str, instance: Path) -> Flask:
    settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "unavailable-test"}
    # No CSRF token can be fetched from a page that cannot be shown; the POST below is
    # about the database, and tests/test_csrf.py about tokens.
    return create_app(settings | {"DATABASE_URL": url, "WTF_CSRF_ENABLED": False})


def _assert_unavailable(app: Flask, *, leaks: tuple[str, ...]) -> None:
    client = app.test_client()
    for path in ("/", "/vote/", "/projects/", "/results"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert response.mimetype == "text/html"
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["Cache-Control"] == "no-store"
        assert "temporarily unavailable" in page and "try again" in page
        assert 'class="site-header"' in page and 'class="site-footer"' in page  # the layout
        _assert_nothing_leaks(response, leaks)
    # A signed-in visitor: the user cannot be loaded, and that is a 503 too, not a 500.
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = "1.1", True
    assert client.get("/vote/mine").status_code == 503
    # The process is fine, whatever cookie a probe happens to carry.
    assert client.get("/healthz").status_code == 200
    # A POST (a vote) is refused the same way before its form is even read.
    assert client.post("/vote/1/1", data={"nomination": "1"}).status_code == 503

    exported = client.get("/editions/2025/results.json")
    assert exported.status_code == 503 and exported.mimetype == "application/json"
    assert exported.json["error"] == "unavailable" and "Retry-After" in exported.headers
    _assert_nothing_leaks(exported, leaks)
    asked = client.get("/", headers={"Accept": "application/json"})
    assert asked.status_code == 503 and asked.json["error"] == "unavailable"

    ready = app.test_client().get("/readyz")  # as a load balancer asks: without cookies
    assert ready.status_code == 503 and ready.json["checks"]["database"] == "unavailable"
    assert "Retry-After" in ready.headers
    assert app.test_client().get("/healthz").status_code == 200  # the process itself is fine


def _assert_nothing_leaks(response: Any, leaks: tuple[str, ...]) -> None:
    everything = response.get_data(as_text=True) + str(response.headers)
    for secret in ("Traceback", "OperationalError", "sqlalchemy", "psycopg", *leaks):
        assert secret not in everything


def _assert_serving(app: Flask) -> None:
    client = app.test_client()
    ready = client.get("/readyz").json
    assert (ready["status"], ready["checks"]) == ("ready", {"database": "ok"})
    assert client.get("/").status_code == 200


def _migrate(url: str, instance: Path) -> None:
    """Build the database from another app, so the serving one recovers on its own."""
    setup = _app(url, instance)
    with setup.app_context():
        upgrade_database()
        db.engine.dispose()


def test_sqlite_missing_or_moved_away_gives_503_then_recovers(tmp_path: Path, caplog):
    caplog.set_level(logging.WARNING)
    folder = tmp_path / "data"
    url = f"sqlite:///{folder / 'prizes.db'}"
    app = _app(url, tmp_path)
    try:
        # The folder is not there (a volume not mounted yet): nothing can be opened.
        _assert_unavailable(app, leaks=(str(folder),))
        assert "database unavailable: OperationalError: unable to open database" in caplog.text

        folder.mkdir()
        _migrate(url, tmp_path)
        _assert_serving(app)  # the same app object: no restart

        # Moved away while the app holds pooled connections to it: those are dropped rather
        # than left writing to a file that is no longer the database.
        folder.rename(tmp_path / "elsewhere")
        _assert_unavailable(app, leaks=(str(folder),))
        (tmp_path / "elsewhere").rename(folder)
        _assert_serving(app)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_postgresql_unreachable_gives_503(tmp_path: Path):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://prizes:{SECRET_PASSWORD}@127.0.0.1:{port}/prizes"
    app = _app(url, tmp_path)
    try:
        _assert_unavailable(app, leaks=(SECRET_PASSWORD,))
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_mistake_in_the_sql_is_a_500_not_an_outage(tmp_path: Path, caplog):
    """sqlite3 calls "no such table" an OperationalError too; that is a bug to see, not a
    reason to tell visitors to come back later."""
    app = _app(f"sqlite:///{tmp_path / 'never-migrated.db'}", tmp_path)
    try:
        response = app.test_client().get("/")
        assert response.status_code == 500 and "Retry-After" not in response.headers
        assert "unhandled error" in caplog.text and "no such table" in caplog.text
        ready = app.test_client().get("/readyz")  # SELECT 1 needs no table: the file is there
        assert ready.status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
