"""The command-line tools: migrations, the first admin, and the demo data."""

from __future__ import annotations

from pathlib import Path

import pyotp
from sqlalchemy import func, select

from prizes.accounts.models import Role, User
from prizes.demo.people import Login
from prizes.nominations.models import Nomination
from prizes.review.models import Decision
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting.models import BallotEntry, VotingRound
from tests.conftest import PASSWORD


def test_create_admin_reads_the_password_from_standard_input(runner, db):
    result = runner.invoke(args=["create-admin", "chief@example.org"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = db.scalar(select(User).where(User.email_canonical == "chief@example.org"))
    assert user is not None and user.is_verified and user.has_role(Role.SECRETARIAT)


def test_create_admin_refuses_bad_input(runner, db):
    assert (
        runner.invoke(args=["create-admin", "not-an-email"], input=PASSWORD + "\n").exit_code != 0
    )
    short = runner.invoke(args=["create-admin", "ok@example.org"], input="short\n")
    assert short.exit_code != 0 and "8 to 128 characters" in short.output
    assert db.scalar(select(func.count(User.id))) == 0


def test_seed_demo_loads_a_contest_and_prints_the_logins(app, runner, db, client):
    """The figures of the demo are tested in tests/test_demo.py; here, the command, and
    the staff accounts signing in with the two-factor secret it printed and saved."""
    result = runner.invoke(args=["seed-demo", "--seed", "7"])
    assert result.exit_code == 0, result.output
    for role in ("secretariat", "expert", "stakeholder", "voter"):
        assert f"demo.{role}@example.org" in result.output
    assert "demo-logins.txt" in result.output
    assert db.scalar(select(func.count(StocktakingEntry.id))) == 300
    # Four editions: finished, awaiting the decisions, in voting, open for submissions.
    assert db.scalar(select(func.count(VotingRound.id))) == 3
    nominated = select(func.count(Nomination.id)).where(Nomination.status == "nominated")
    submitted = select(func.count(Nomination.id)).where(Nomination.status == "submitted")
    open_round = select(VotingRound.id).where(VotingRound.finalised_at.is_(None)).scalar_subquery()
    on_ballot = select(func.count()).where(BallotEntry.round_id == open_round)
    in_open_round = select(func.count(Nomination.id)).where(
        Nomination.status == "nominated",
        Nomination.id.in_(
            select(BallotEntry.nomination_id).where(BallotEntry.round_id == open_round)
        ),
    )
    assert db.scalar(on_ballot) == db.scalar(in_open_round) <= db.scalar(nominated)
    assert (
        db.scalar(select(func.count(Decision.id)).where(Decision.published_at.is_not(None))) == 90
    )
    assert db.scalar(submitted) > 0  # the next edition's review queue has work
    path = Path(app.instance_path) / "demo-logins.txt"
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    logins = {login.email: login for login in map(Login.parse, path.read_text().splitlines())}
    for role in ("secretariat", "expert"):
        login = logins[f"demo.{role}@example.org"]
        assert login.totp_secret and login.totp_secret in result.output
        first = client.post_form("/login", {"email": login.email, "password": login.password})
        assert first.location == "/login/code"
        code = pyotp.TOTP(login.totp_secret).now()
        assert client.post_form("/login/code", {"code": code}).status_code == 302
        assert client.get("/account").status_code == 200
        client.post_form("/logout")
    assert logins["demo.voter@example.org"].totp_secret is None

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "demo.voter@example.org" in again.output
    assert runner.invoke(args=["seed-demo"]).exit_code != 0  # never into a database with data
    too_few = runner.invoke(args=["seed-demo", "--entries", "40"])
    assert too_few.exit_code == 2 and "144" in too_few.output


def test_create_admin_refuses_a_common_password(runner, db):
    result = runner.invoke(args=["create-admin", "boss@example.org"], input="password123\n")
    assert result.exit_code != 0 and "most used" in result.output


def test_db_backup_copies_the_sqlite_database(runner, db, tmp_path):
    import sqlite3

    target = tmp_path / "copy.db"
    result = runner.invoke(args=["db", "backup", str(target)])
    if db.get_bind().dialect.name != "sqlite":
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("select count(*) from categories").fetchone()[0] == 18
    copy.close()


def test_the_app_runs_without_the_demo_extra(runner, db, monkeypatch):
    """Faker comes with the demo extra only: without it the app and its commands still
    work, and seed-demo says what to install instead of failing with a traceback."""
    import sys

    monkeypatch.setitem(sys.modules, "faker", None)  # an import of it now fails
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "pip install -e '.[demo]'" in result.output
    assert db.scalar(select(func.count(User.id))) == 0
