"""Backups as docs/deploy.md says to take and restore them, under real load.

- SQLite: `flask db backup`, a real process, taken while voters vote over HTTP against
  gunicorn, holds every vote acknowledged before it began; the file is put in place of the
  database as the doc says, and the site serves from it: it knows the votes in the copy and
  takes again a vote that came after it.
- PostgreSQL: the doc's own commands (pg_dump, createdb, pg_restore, `db current`), read
  from docs/deploy.md and pointed at the test server, dump the test database and restore it
  into a second one (created and dropped here) that holds the same rows and serves.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from prizes import create_app
from prizes.db import db
from prizes.voting.models import Vote
from tests.conftest import PASSWORD, TEST_DATABASE_URL, free_port, separate_database
from tests.live import Browser
from tests.migration_data import revisions
from tests.test_durability import (
    CATEGORIES,
    VOTERS,
    Contest,
    Gunicorn,
    Load,
    _request,
    _run_with,
    _seed,
    _server_env,
    _token,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy.md"


def _flask(*args: str, url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRIZES_DATABASE_URL": url, "PRIZES_INSTANCE_PATH": str(folder)}
    env.update({"PRIZES_SECRET_KEY": "backup-test", "PRIZES_REDIS_URL": ""})
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _votes(path: Path) -> dict[tuple[int, int], int]:
    copy = sqlite3.connect(path)
    try:
        rows = copy.execute("SELECT voter_id, category_id, nomination_id FROM votes").fetchall()
    finally:
        copy.close()
    return {(voter, category): nomination for voter, category, nomination in rows}


def test_a_hot_sqlite_backup_holds_every_acknowledged_vote_and_restores(tmp_path: Path):
    if TEST_DATABASE_URL:
        pytest.skip("SQLite's db backup; the PostgreSQL pass runs the pg_dump steps")
    database = tmp_path / "prizes.db"
    url = f"sqlite:///{database}"
    contest = _seed(url, tmp_path)
    server = Gunicorn(_server_env(url, tmp_path), free_port(), tmp_path / "gunicorn.log")
    load = Load(server.port, contest)
    backup = tmp_path / "backups" / "prizes-during-the-vote.db"
    backup.parent.mkdir()
    seen: dict[str, object] = {}

    def take_backup() -> None:
        with load.lock:  # every vote answered 302 so far
            seen["acknowledged"] = {
                (a.voter, contest.category_of[a.position]): a.nomination
                for a in load.answers
                if a.status == 302
            }
        seen["result"] = _flask("db", "backup", str(backup), url=url, folder=tmp_path)

    try:
        server.start()
        _run_with(
            load,
            after_votes=VOTERS * CATEGORIES // 3,
            crash=take_backup,
            deadline=time.monotonic() + 120,
        )
    finally:
        server.stop()
    result = seen["result"]
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stderr
    assert f"Backed up to {backup}" in result.stdout
    acknowledged = seen["acknowledged"]
    assert isinstance(acknowledged, dict) and acknowledged
    in_backup = _votes(backup)
    missing = {k: v for k, v in acknowledged.items() if in_backup.get(k) != v}
    assert missing == {}, f"{len(missing)} acknowledged votes are not in the backup"
    everything = _votes(database)
    assert len(everything) == VOTERS * CATEGORIES and in_backup.items() <= everything.items()

    # Restore as docs/deploy.md says: the app stopped, the copy in place, no WAL left over.
    shutil.copyfile(backup, database)
    for leftover in ("-wal", "-shm"):
        Path(f"{database}{leftover}").unlink(missing_ok=True)
    current = _flask("db", "current", url=url, folder=tmp_path)
    assert current.stdout.strip() == f"{revisions()[-1]} (head)", current.stderr
    check = sqlite3.connect(database)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()

    server.start()
    try:
        assert _request(Browser(server.port), "GET", "/readyz")[0] == 200
        assert _request(Browser(server.port), "GET", "/")[0] == 200
        lost = [k for k in everything if k not in in_backup]
        cases = {"kept": next(iter(in_backup)), **({"after": lost[0]} if lost else {})}
        statuses = {name: _vote_again(server.port, contest, *key) for name, key in cases.items()}
    finally:
        server.stop()
    assert statuses["kept"] == 409  # the copy knows this vote: no second one
    if lost:
        assert statuses["after"] == 302  # cast after the copy: the voter may vote again


def _vote_again(port: int, contest: Contest, voter_id: int, category_id: int) -> int:
    """Sign in as the voter and vote in the category; the answer's status."""
    browser = Browser(port)
    page = _request(browser, "GET", "/login")[1]
    form = {"email": dict(contest.voters)[voter_id], "password": PASSWORD}
    assert _request(browser, "POST", "/login", {**form, "csrf_token": _token(page)})[0] == 302
    position = next(p for p, c in contest.category_of.items() if c == category_id)
    path = f"/vote/{contest.round_id}/{position}"
    page = _request(browser, "GET", path)[1]
    vote = {"nomination": contest.ballot[position][0], "csrf_token": _token(page)}
    return _request(browser, "POST", path, vote)[0]


# --- PostgreSQL: the doc's commands --------------------------------------------------------


def _doc_commands() -> list[str]:
    """The shell lines of the PostgreSQL block under "Backups and restore"."""
    section = DEPLOY.read_text().split("## Backups and restore", 1)[1]
    block = section.split("PostgreSQL:", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def _pointed_at_the_test_server(line: str, dump: Path, restore_db: str) -> str:
    url = make_url(TEST_DATABASE_URL or "")
    server = f"-h {url.host or '127.0.0.1'} -p {url.port or 5432}"
    line = line.replace("-h db-host", server)
    line = re.sub(r"-U \w+", f"-U {url.username}", line)
    line = re.sub(r"/backups/prizes-.*?\.dump", str(dump), line)
    restore_url = url.set(database=restore_db).render_as_string(hide_password=False)
    line = re.sub(r"postgresql\+psycopg://\S+/prizes_restore", restore_url, line)
    line = line.replace("prizes_restore", restore_db)
    return re.sub(r"-d prizes\b", f"-d {url.database}", line)


@pytest.fixture
def restore_database() -> Iterator[str]:
    """A second database on the test server, dropped before and after."""
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL (PRIZES_TEST_DATABASE_URL), as in .ci/run's second pass")
    name = f"{make_url(TEST_DATABASE_URL).database}_restore"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def test_the_documented_postgresql_backup_and_restore_work(restore_database: str, tmp_path: Path):
    commands = _doc_commands()
    assert [c.split()[0] for c in commands[:3]] == ["pg_dump", "createdb", "pg_restore"]
    assert "db current" in commands[-1]
    schema = "backup_test"
    with separate_database(tmp_path, schema) as url:
        contest = _seed(url, tmp_path)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
        with app.app_context(), db.engine.begin() as conn:
            for voter_id, _email in contest.voters[:5]:
                for position, nominations in contest.ballot.items():
                    conn.execute(
                        text(
                            "INSERT INTO votes (round_id, category_id, nomination_id, voter_id,"
                            " receipt_code, cast_at, status) VALUES (:r, :c, :n, :v, :code,"
                            " now(), 'valid')"
                        ),
                        {
                            "r": contest.round_id,
                            "c": contest.category_of[position],
                            "n": nominations[0],
                            "v": voter_id,
                            "code": f"R{voter_id}-{position}",
                        },
                    )
        with app.app_context():
            db.engine.dispose()
        dump = tmp_path / "prizes.dump"
        env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
        outputs = []
        for line in commands:
            shell = _pointed_at_the_test_server(line, dump, restore_database)
            done = subprocess.run(  # noqa: S602 - the doc's own commands, pointed at the test server
                shell, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, f"{shell}\n{done.stdout}\n{done.stderr}"
            outputs.append(done.stdout)
    assert outputs[-1].strip().startswith(revisions()[-1])

    restored_url = make_url(TEST_DATABASE_URL or "").set(database=restore_database)
    restored = restored_url.render_as_string(hide_password=False)
    restored_app = create_app(
        {
            "DATABASE_URL": f"{restored}?options=-csearch_path%3D{schema}",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
        }
    )
    with restored_app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 5 * CATEGORIES
    client = restored_app.test_client()  # each request in a context of its own
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 200
    with restored_app.app_context():
        db.engine.dispose()
