"""Votes survive crashes: a load of real votes over HTTP against gunicorn, and mid-load

- gunicorn (master and workers) killed with SIGKILL and started again on the same
  database: SQLite (WAL, synchronous FULL) in the SQLite pass, PostgreSQL in the PostgreSQL
  pass;
- PostgreSQL itself killed with SIGKILL and started again (a private throwaway cluster, never
  the shared server): the app answers 503 meanwhile, never 500, and serves again without
  a restart.

Afterwards every vote answered with the redirect of success is in the database with the
voter's choice, and no (round, category, voter) is stored twice. Voters are made directly
in the database (one password hash for all) and sign in over HTTP; each votes in every
category through ``POST /vote/<round>/<position>`` with the form's CSRF token.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from prizes import create_app
from prizes.accounts.emails import canonical_email
from prizes.accounts.models import User
from prizes.cli import upgrade_database
from prizes.core.clock import now
from prizes.core.vocabulary import StakeholderType
from prizes.db import db, make_engine
from prizes.voting import queries
from prizes.voting.models import Vote
from tests.conftest import PASSWORD, TEST_DATABASE_URL, free_port, separate_database
from tests.live import Browser
from tests.private_postgres import PrivateCluster, children, find_binaries

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "durability_test"
VOTERS, CATEGORIES, THREADS = 48, 6, 8
# A third of the votes, and not at the end of a wave of ballots (the threads keep pace with
# one another), so that the crash cuts into votes rather than into sign-ins.
CRASH_AFTER = VOTERS * CATEGORIES // 3 + CATEGORIES // 2
RETRY_STATUSES = {0, 503}  # no answer (server gone), or the database out of reach
CHEAP_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


# --- the contest --------------------------------------------------------------------------


@dataclass
class Contest:
    round_id: int
    ballot: dict[int, list[int]]  # position -> nomination ids
    category_of: dict[int, int]  # position -> category id
    voters: list[tuple[int, str]]  # (id, email)


def _seed(url: str, instance: Path) -> Contest:
    """A round of CATEGORIES categories with two projects each, and VOTERS ready voters."""
    from tests.factories import make_edition, make_nomination, make_round, make_user

    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "x", **CHEAP_HASHING}
    )
    with app.app_context():
        upgrade_database()
        edition = make_edition()
        nominations = [
            make_nomination(edition=edition, category_number=number)
            for number in range(1, CATEGORIES + 1)
            for _ in range(2)
        ]
        voting_round = make_round(edition=edition, nominations=nominations)
        hashed = make_user().password_hash  # argon2 once; every voter shares the password
        voters = [
            User(
                email=f"voter{i}@durability.example.org",
                email_canonical=canonical_email(f"voter{i}@durability.example.org"),
                password_hash=hashed,
                email_verified_at=now(),
                organisation_name=f"Voter organisation {i}",
                organisation_type=StakeholderType.CIVIL_SOCIETY,
                country="CH",
            )
            for i in range(VOTERS)
        ]
        db.session.add_all(voters)
        db.session.flush()
        category_ids = queries.ballot_category_ids(voting_round.id)
        by_category: dict[int, list[int]] = {}
        for nomination in nominations:
            by_category.setdefault(nomination.category_id, []).append(nomination.id)
        contest = Contest(
            round_id=voting_round.id,
            ballot={p: by_category[c] for p, c in enumerate(category_ids, start=1)},
            category_of=dict(enumerate(category_ids, start=1)),
            voters=[(voter.id, voter.email) for voter in voters],
        )
        db.session.commit()
        db.session.close()
        db.engine.dispose()
    return contest


# --- gunicorn -----------------------------------------------------------------------------


class Gunicorn:
    """The production configuration (gunicorn.conf.py, sync workers) on a port of ours, in
    a session of its own so that the master and its workers can be killed together."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "2"]
        command += ["-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and settings
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while _request(Browser(self.port), "GET", "/readyz")[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def workers(self) -> set[int]:
        assert self.process is not None
        return set(children(self.process.pid))

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)


def _server_env(url: str, instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRIZES_DATABASE_URL": url,
        "PRIZES_SECRET_KEY": "durability-test",  # the same after a restart: sessions survive
        "PRIZES_INSTANCE_PATH": str(instance),
        "PRIZES_REDIS_URL": "",
        "PRIZES_RATE_LIMITS": "false",  # one client address casts every vote
        "PRIZES_JOBS_IMMEDIATE": "1",
        **{f"PRIZES_{key}": str(value) for key, value in CHEAP_HASHING.items()},
    }


# --- the load -----------------------------------------------------------------------------

_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _request(
    browser: Browser, method: str, path: str, form: dict[str, Any] | None = None
) -> tuple[int, str]:
    """Status and page; status 0 when the server is gone (refused, reset, cut off)."""
    try:
        return browser.request(method, path, form)
    except (OSError, http.client.HTTPException):
        return 0, ""


@dataclass
class Answer:
    voter: int
    position: int
    nomination: int
    status: int
    at: float


@dataclass
class Load:
    """Every voter signs in and votes in each category, THREADS voters at a time. Votes
    that got no answer or a 503 are sent again until they get one; every answer is kept."""

    port: int
    contest: Contest
    answers: list[Answer] = field(default_factory=list)
    every_status: Counter[int] = field(default_factory=Counter)  # sign-ins and pages too
    failures: list[str] = field(default_factory=list)
    successes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    halt: threading.Event = field(default_factory=threading.Event)  # the test failed

    def _over(self, deadline: float) -> bool:
        return self.halt.is_set() or time.monotonic() > deadline

    def run(self, deadline: float) -> list[threading.Thread]:
        pending = iter(enumerate(self.contest.voters))

        def client() -> None:
            while not self._over(deadline):
                with self.lock:
                    job = next(pending, None)
                if job is None:
                    return
                try:
                    self._vote_ballot(*job, deadline=deadline)
                except Exception as error:  # reported by the test, not lost in a thread
                    with self.lock:
                        self.failures.append(f"voter {job[0]}: {error!r}")

        threads = [threading.Thread(target=client) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        return threads

    def _until(self, attempt: Callable[[], tuple[int, str]], deadline: float) -> tuple[int, str]:
        while True:
            status, page = attempt()
            with self.lock:
                self.every_status[status] += 1
            if status not in RETRY_STATUSES or self._over(deadline):
                return status, page
            time.sleep(0.1)

    def _vote_ballot(self, index: int, voter: tuple[int, str], *, deadline: float) -> None:
        voter_id, email = voter
        browser = Browser(self.port)

        def sign_in() -> tuple[int, str]:
            status, page = _request(browser, "GET", "/login")
            if status != 200:
                return status, page
            form = {"email": email, "password": PASSWORD, "csrf_token": _token(page)}
            return _request(browser, "POST", "/login", form)

        status, _page = self._until(sign_in, deadline)
        assert status == 302, f"sign-in answered {status}"
        first = f"/vote/{self.contest.round_id}/1"
        status, page = self._until(lambda: _request(browser, "GET", first), deadline)
        assert status == 200, f"the ballot answered {status}"
        token = _token(page)
        for position, nominations in self.contest.ballot.items():
            choice = nominations[(index + position) % len(nominations)]
            path = f"/vote/{self.contest.round_id}/{position}"
            while True:
                status, page = _request(
                    browser, "POST", path, {"nomination": choice, "csrf_token": token}
                )
                if status == 302 and "/login" in browser.location:
                    status = -1  # signed out: a redirect to the sign-in page is no vote
                with self.lock:
                    self.answers.append(
                        Answer(voter_id, position, choice, status, time.monotonic())
                    )
                    self.every_status[status] += 1
                    self.successes += status == 302
                if status not in RETRY_STATUSES or self._over(deadline):
                    break
                time.sleep(0.1)


def _token(page: str) -> str:
    match = _TOKEN.search(page)
    assert match, page[:300]
    return match.group(1)


def _run_with(load: Load, *, after_votes: int, crash: Callable[[], None], deadline: float) -> float:
    """Run the load; once ``after_votes`` votes succeeded, ``crash()``; returns when the
    crash began."""
    threads = load.run(deadline)
    try:
        while load.successes < after_votes:
            assert time.monotonic() < deadline and any(t.is_alive() for t in threads), (
                f"the load stalled at {load.successes} votes: {load.failures[:3]}"
            )
            time.sleep(0.02)
        crashed_at = time.monotonic()
        crash()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "the load did not finish in time"
    finally:
        load.halt.set()  # on failure, no thread goes on knocking at a stopped server
        for thread in threads:
            thread.join(timeout=10)
    return crashed_at


# --- the checks ---------------------------------------------------------------------------


def _check_votes(url: str, load: Load, crashed_at: float) -> None:
    """Every vote answered 302 is stored with the voter's choice; a 409 only after an
    attempt that got no answer (that attempt was stored); nothing stored twice or unasked.
    Prints the count of each status (shown with ``-s``)."""
    contest = load.contest
    assert load.failures == []
    # Never a 500 (nor a sign-out) for anything sent, during the crash or after it.
    assert set(load.every_status) <= {200, 302, 409, *RETRY_STATUSES}, load.every_status
    statuses = Counter(answer.status for answer in load.answers)
    assert set(statuses) <= {302, 409, *RETRY_STATUSES}, statuses
    assert any(a.status == 302 and a.at < crashed_at for a in load.answers)
    assert any(a.status == 302 and a.at > crashed_at for a in load.answers)

    final: dict[tuple[int, int], Answer] = {}
    unanswered: set[tuple[int, int]] = set()
    for answer in load.answers:
        key = (answer.voter, answer.position)
        assert key not in final, f"{key} answered again after {final.get(key)}"
        if answer.status in RETRY_STATUSES:
            unanswered.add(key)
        else:
            assert answer.status == 302 or key in unanswered, f"409 without a lost answer: {key}"
            final[key] = answer
    assert len(final) == VOTERS * CATEGORIES, "not every vote was answered"

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            mine = Vote.round_id == contest.round_id
            rows = conn.execute(
                select(Vote.voter_id, Vote.category_id, Vote.nomination_id).where(mine)
            ).all()
            doubles = conn.scalar(
                select(func.count()).select_from(
                    select(Vote.voter_id)
                    .where(mine)
                    .group_by(Vote.round_id, Vote.category_id, Vote.voter_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            unique_sets = [
                set(c["column_names"]) for c in inspect(conn).get_unique_constraints("votes")
            ]
    finally:
        engine.dispose()
    assert doubles == 0
    assert {"round_id", "category_id", "voter_id"} in unique_sets
    stored = {(voter, category): nomination for voter, category, nomination in rows}
    assert len(stored) == len(rows)
    expected = {
        (answer.voter, contest.category_of[answer.position]): answer.nomination
        for answer in final.values()
    }
    assert stored == expected
    print(f"votes: {dict(statuses)}; every request: {dict(load.every_status)}")


# --- the databases ------------------------------------------------------------------------


@pytest.fixture
def pass_database(tmp_path: Path) -> Iterator[str]:
    """The database of this pass: a SQLite file, or a schema of the PostgreSQL test
    database (dropped afterwards)."""
    with separate_database(tmp_path, SCHEMA) as url:
        yield url


@pytest.fixture
def private_postgres() -> Iterator[PrivateCluster]:
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL (PRIZES_TEST_DATABASE_URL), as in .ci/run's second pass")
    binaries = find_binaries()
    if binaries is None:
        if os.environ.get("PRIZES_PRIVATE_POSTGRES_REQUIRED"):
            raise AssertionError("no initdb/postgres found, and this run requires them")
        pytest.skip("no PostgreSQL server binaries (initdb, postgres) to start a cluster to kill")
    cluster = PrivateCluster(binaries, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


# --- the tests ----------------------------------------------------------------------------


def test_votes_survive_gunicorn_killed_mid_load(pass_database: str, tmp_path: Path):
    url = pass_database
    contest = _seed(url, tmp_path)
    server = Gunicorn(_server_env(url, tmp_path), free_port(), tmp_path / "gunicorn.log")
    load = Load(server.port, contest)

    def crash() -> None:
        server.kill()
        server.start()  # the same port and database; the voters' sessions still hold

    try:
        server.start()
        crashed_at = _run_with(
            load,
            after_votes=CRASH_AFTER,
            crash=crash,
            deadline=time.monotonic() + 120,
        )
    finally:
        server.stop()
    _check_votes(url, load, crashed_at)
    if url.startswith("sqlite"):
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        finally:
            engine.dispose()


def test_votes_survive_postgresql_killed_mid_load(private_postgres: PrivateCluster, tmp_path):
    cluster = private_postgres
    contest = _seed(cluster.url, tmp_path)
    server = Gunicorn(_server_env(cluster.url, tmp_path), free_port(), tmp_path / "app.log")
    load = Load(server.port, contest)
    seen: dict[str, Any] = {}

    def crash() -> None:
        seen["workers"] = server.workers()
        cluster.kill()
        # Meanwhile the app answers, and says it is not ready.
        seen["ready"] = _request(Browser(server.port), "GET", "/readyz")
        seen["home"] = _request(Browser(server.port), "GET", "/")
        time.sleep(1.5)  # votes keep coming in during the outage
        cluster.start()  # crash recovery from the WAL

    try:
        server.start()
        crashed_at = _run_with(
            load,
            after_votes=CRASH_AFTER,
            crash=crash,
            deadline=time.monotonic() + 120,
        )
        assert _request(Browser(server.port), "GET", "/readyz")[0] == 200
        # No restart: the same master and the same workers served before and after.
        assert server.process is not None and server.process.poll() is None
        assert server.workers() == seen["workers"]
    finally:
        server.stop()
    _check_votes(cluster.url, load, crashed_at)
    # Requests met the outage (votes, or sign-ins when the crash fell between two ballots),
    # and it answered 503, never 500 (checked above).
    assert load.every_status[503] > 0, load.every_status
    assert seen["ready"][0] == 503 and '"database":"unavailable"' in seen["ready"][1]
    assert seen["home"][0] == 503 and "temporarily unavailable" in seen["home"][1]
