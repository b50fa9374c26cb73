"""A read replica for the public pages: they read there, everything else reads the primary.

The replica is a second real database (PostgreSQL: "<test database>_replica" on the same
server; SQLite: a second file) holding rows the primary does not have, so that each page
shows which one it read.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user
from sqlalchemy import make_url, select, text

from prizes import create_app
from prizes.accounts.models import User
from prizes.cli import upgrade_database
from prizes.core.clock import now
from prizes.core.replica import PUBLIC_READS, replica_reads
from prizes.db import db, make_engine
from prizes.stocktaking.models import StocktakingEntry
from tests.conftest import TEST_DATABASE_URL, reset_postgres
from tests.factories import make_edition, make_entry, make_round

TITLE = "Mirrored irrigation sensors"


def _replica_url(tmp_path) -> str:
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'replica.db'}"
    primary = make_url(TEST_DATABASE_URL)
    name = f"{primary.database}_replica"
    server = make_engine(primary.set(database="postgres").render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    url = primary.set(database=name).render_as_string(hide_password=False)
    reset_postgres(url)
    return url


@pytest.fixture
def replica_app(app, database_url, tmp_path):
    """The test app's settings on the suite's primary database, with a replica that holds
    an entry and an open round of its own."""
    url = _replica_url(tmp_path)
    settings = {k: v for k, v in app.config.items() if k.isupper()}
    seeder = create_app({**settings, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
    with seeder.app_context():
        upgrade_database()
        entry_id = make_entry(title=TITLE).id
        edition = make_edition()
        voting_round = make_round(edition=edition)
        voting_round.opens_at = now() - timedelta(days=1)
        voting_round.closes_at = now() + timedelta(days=1)
        db.session.commit()
        db.engine.dispose()
    replicated = create_app(
        {
            **settings,
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": database_url,
            "DATABASE_REPLICA_URL": url,
        }
    )
    replicated.test_client_class = app.test_client_class
    replicated.entry_id = entry_id
    yield replicated
    with replicated.app_context():
        db.engine.dispose()
        replicated.extensions["prizes.replica"].kw["bind"].dispose()


def test_public_pages_read_the_replica(replica_app, db):
    primary_titles = db.scalars(select(StocktakingEntry.title)).all()
    assert TITLE not in primary_titles
    client = replica_app.test_client()
    assert TITLE in client.get("/projects/", query_string={"q": "irrigation"}).get_data(True)
    detail = client.get(f"/projects/{replica_app.entry_id}")
    assert detail.status_code == 200 and TITLE in detail.get_data(True)


def test_other_pages_read_the_primary(replica_app):
    client = replica_app.test_client()
    # The replica has an open round (the page would send the visitor to its ballot); the
    # primary has none.
    assert client.get("/vote/").status_code == 200


def test_signed_in_visitors_read_the_primary(replica_app, database_url):
    def which() -> str:
        """The database the view's session reads."""
        return str(db.session.get_bind().url.database)

    with replica_app.test_request_context("/projects/"):
        replica = make_url(replica_app.config["DATABASE_REPLICA_URL"])
        assert replica_reads(which)() == str(replica.database)
        login_user(User(id=1, email="someone@example.org", session_version=1))
        assert replica_reads(which)() == str(make_url(database_url).database)


def test_without_a_replica_nothing_changes(app):
    assert "prizes.replica" not in app.extensions
    assert not any(getattr(app.view_functions[e], "reads_replica", False) for e in PUBLIC_READS)
