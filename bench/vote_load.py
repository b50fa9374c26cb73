"""Cast full ballots over HTTP against gunicorn, and the same load against a bare INSERT.

    .venv/bin/python bench/vote_load.py [--voters 2000] [--workers 2 4] [--threads 16]
                                        [--database-url URL] [--max-seconds 150]

The default database is PostgreSQL test_bench, whose public schema is dropped and recreated;
``--database-url sqlite`` uses a fresh SQLite file in a temporary folder. Every voter casts
one vote in each of the 18 categories through ``POST /vote/<round>/<position>``; as many
requests then go to ``POST /_bench/insert`` (one INSERT, nothing else), in alternating
slices so that both see the same machine. Voting stops after ``--max-seconds`` per worker
count (voters not reached are reported). Prints requests per second, median and p99
latency of each, the ratio votes/s / bare/s, and what the database holds afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from argon2 import PasswordHasher
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, insert, select, text

from prizes import create_app
from prizes.accounts.models import User
from prizes.cli import upgrade_database
from prizes.contest.models import Category
from prizes.core.clock import now
from prizes.core.vocabulary import StakeholderType
from prizes.db import db
from prizes.demo import make_voting_edition
from prizes.nominations.models import Nomination, NominationStatus
from prizes.stocktaking.models import StocktakingEntry
from prizes.stocktaking.organisations import organisation_key
from prizes.voting.models import BallotEntry, Vote, VoteStatus, VotingRound

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "prizes-bench"}
Request = tuple[str, str, dict[str, str]]
BARE: Request = ("/_bench/insert", "", FORM)


def prepare_database(url: str) -> None:
    """An empty schema at the newest migration (PostgreSQL: the public schema is dropped)."""
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_database()


def make_ballot(per_category: int, nominator_id: int) -> tuple[int, dict[int, list[int]]]:
    """An edition with ``per_category`` nominations in each of the 18 categories; returns
    the edition id and the nomination ids by category number (the ballot position)."""
    moment = now()
    edition = make_voting_edition(moment)
    entry_fields = {"stakeholder_type": StakeholderType.CIVIL_SOCIETY, "country": "CH"}
    fields = {"nominator_id": nominator_id, "status": NominationStatus.NOMINATED}
    fields |= {"edition": edition, "submitted_at": moment - timedelta(days=30)}
    ballot: dict[int, list[Nomination]] = {}
    for category in db.session.scalars(select(Category).order_by(Category.number)):
        for k in range(per_category):
            name = f"Bench organisation {category.number}-{k}"
            key = organisation_key(name)
            entry = StocktakingEntry(
                title=name,
                organisation=name,
                organisation_key=key,
                description=name,
                **entry_fields,
            )
            nomination = Nomination(category=category, entry=entry, organisation_key=key, **fields)
            ballot.setdefault(category.number, []).append(nomination)
    db.session.add_all(n for group in ballot.values() for n in group)
    db.session.flush()
    return edition.id, {number: [n.id for n in group] for number, group in ballot.items()}


def open_round(edition_id: int, number: int, ballot: dict[int, list[int]]) -> int:
    """A round open now with the whole ballot; a fresh one per run, so every run inserts."""
    moment, day = now(), timedelta(days=1)
    title = f"Bench round {number}"
    voting_round = VotingRound(edition_id=edition_id, number=number, title=title)
    voting_round.opens_at, voting_round.closes_at = moment - day, moment + 7 * day
    db.session.add(voting_round)
    db.session.flush()
    category_ids = dict(db.session.execute(select(Category.number, Category.id)).all())
    db.session.add_all(
        BallotEntry(round_id=voting_round.id, category_id=category_ids[c], nomination_id=n)
        for c, ids in ballot.items()
        for n in ids
    )
    return voting_round.id


def add_voters(count: int) -> list[int]:
    """Verified voters with a complete profile, inserted in bulk: one argon2 hash for all."""
    emails = [f"voter{i}@bench.example.org" for i in range(count)]
    profile = {"organisation_type": StakeholderType.OTHER, "country": "CH"}
    profile |= {"email_verified_at": now(), "password_hash": PasswordHasher().hash("bench-pw")}
    rows = [
        {"email": e, "email_canonical": e, "organisation_name": f"Voter organisation {i}"} | profile
        for i, e in enumerate(emails)
    ]
    db.session.execute(insert(User), rows)
    return list(db.session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.id)))


def forge_session(app: Flask, user_id: int) -> tuple[str, str]:
    """A signed-in session cookie and its form token, made as Flask and Flask-WTF make them,
    so that no request pays for an argon2 sign-in."""
    raw = secrets.token_hex(20)
    session = {"_user_id": f"{user_id}.1", "_fresh": True, "csrf_token": raw}
    cookie = app.session_interface.get_signing_serializer(app).dumps(session)  # type: ignore[attr-defined]
    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token


def ballot_requests(
    round_id: int, ballot: dict[int, list[int]], session: tuple[str, str], index: int
) -> list[Request]:
    """A voter's 18 votes, in ballot order; the choices are spread over the nominations."""
    cookie, token = session
    headers = FORM | {"Cookie": cookie}
    return [
        (
            f"/vote/{round_id}/{p}",
            urlencode({"nomination": ids[(index + p) % len(ids)], "csrf_token": token}),
            headers,
        )
        for p, ids in sorted(ballot.items())
    ]


@dataclass
class Phase:
    """Every request's status and latency (seconds), and the wall time the phase took."""

    answers: list[tuple[int, float]] = field(default_factory=list)
    elapsed: float = 0.0

    def rate(self) -> float:
        return len(self.answers) / self.elapsed if self.elapsed else 0.0

    def ms(self, q: int) -> float:
        latencies = [seconds * 1000 for _, seconds in self.answers]
        return statistics.quantiles(latencies, n=100)[q - 1] if len(latencies) > 1 else 0.0

    def count(self, status: int) -> int:
        return sum(1 for code, _ in self.answers if code == status)

    def statuses(self) -> str:
        return str(dict(Counter(code for code, _ in self.answers)))


def send(conn: http.client.HTTPConnection, request: Request) -> tuple[int, float]:
    """POST and read the whole answer; a broken connection counts as status 0."""
    path, body, headers = request
    started = time.perf_counter()
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        conn.close()
        status = 0
    return status, time.perf_counter() - started


def run_phase(
    port: int, jobs: list[list[Request]], threads: int, deadline: float, phase: Phase
) -> int:
    """A fixed number of connections, one thread each; a job (a voter's requests) runs in
    order on one connection, and none starts after ``deadline``. Adds the answers to
    ``phase``; returns how many jobs ran (the first ones)."""
    pending, lock, taken = iter(jobs), threading.Lock(), [0]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        answers = []
        while time.monotonic() < deadline:
            with lock:
                job = next(pending, None)
                taken[0] += job is not None
            if job is None:
                break
            answers.extend(send(conn, request) for request in job)
        conn.close()
        with lock:
            phase.answers.extend(answers)

    pool = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    phase.elapsed += time.perf_counter() - started
    return taken[0]


@contextmanager
def serve(url: str, secret: str, workers: int, port: int, folder: Path) -> Iterator[None]:
    """gunicorn (sync workers, as configured for production) with the bench endpoint and no
    rate limits, once it answers; SIGTERM after."""
    env = os.environ | {
        "PRIZES_DATABASE_URL": url,
        "PRIZES_SECRET_KEY": secret,
        "PRIZES_INSTANCE_PATH": str(folder),
        "PRIZES_RATE_LIMITS": "false",
        "PRIZES_BENCH_ENDPOINTS": "1",
        "PRIZES_REDIS_URL": "",  # no shared cache or limits: the database does every read
    }
    gunicorn, config = Path(sys.executable).parent / "gunicorn", ROOT / "gunicorn.conf.py"
    command = [str(gunicorn), "-c", str(config), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command.append("wsgi:app")  # the production settings, but these workers and address
    log = folder / f"gunicorn-{workers}.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    try:
        started = time.monotonic()
        while send(http.client.HTTPConnection("127.0.0.1", port), BARE)[0] != 204:
            if server.poll() is not None or time.monotonic() - started > 30:
                raise SystemExit(f"gunicorn does not serve /_bench/insert; see {log}")
            time.sleep(0.1)
        yield
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def check_run(round_id: int, voter_ids: list[int], done: int, votes: Phase, bare: Phase) -> str:
    """The database after a run against the answers: "ok" or the problems found."""
    mine = (Vote.round_id == round_id, Vote.voter_id.in_(voter_ids))
    pairs = select(Vote.category_id, Vote.voter_id).where(*mine)
    pairs = pairs.group_by(Vote.category_id, Vote.voter_id).having(func.count() > 1)
    valid = db.session.scalar(select(func.count()).where(*mine, Vote.status == VoteStatus.VALID))
    doubles = db.session.scalar(select(func.count()).select_from(pairs.subquery()))
    rows = db.session.scalar(text("SELECT count(*) FROM bench_rows"))
    db.session.rollback()
    problems = {
        f"{valid} valid votes, expected {done * 18}": valid != done * 18,
        f"{valid} valid votes for {votes.count(302)} answers 302": valid != votes.count(302),
        f"{doubles} (category, voter) pairs stored twice": bool(doubles),
        f"vote answers {votes.statuses()}": votes.count(302) != len(votes.answers),
        f"bare answers {bare.statuses()}": bare.count(204) != len(bare.answers),
        f"{rows} bare rows for {bare.count(204)} answers 204": rows != bare.count(204),
    }
    found = "; ".join(problem for problem, failed in problems.items() if failed)
    late = f" ({done} of {len(voter_ids)} voters in time)" if done < len(voter_ids) else ""
    return (found or f"ok: {valid} votes, {rows} bare rows") + late


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="or: sqlite")
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--slices", type=int, default=4, help="vote/bare alternations per run")
    parser.add_argument("--max-seconds", type=float, default=150, help="votes, per run")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="prizes-bench-"))
    url = args.database_url
    if url.startswith("sqlite"):  # always a new file: the benchmark writes a lot into it
        url = f"sqlite:///{folder / 'votes.db'}"
    secret = secrets.token_urlsafe(32)
    app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": secret})
    with app.app_context():
        prepare_database(url)
        key = "BIGSERIAL" if url.startswith("postgresql") else "INTEGER"
        db.session.execute(
            text(f"CREATE TABLE bench_rows (id {key} PRIMARY KEY, created_at TIMESTAMP)")
        )
        probe, *voter_ids = add_voters(args.voters + 1)
        edition_id, ballot = make_ballot(per_category=5, nominator_id=probe)
        db.session.commit()
    sessions = {voter: forge_session(app, voter) for voter in [probe, *voter_ids]}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    print(f"{url.split(':')[0]}: {args.voters} voters x 18 votes, {args.threads} connections")
    print("workers  votes/s  p50 ms  p99 ms   bare/s  p50 ms  p99 ms  ratio  checks")
    for number, workers in enumerate(args.workers, start=1):
        with app.app_context():
            round_id = open_round(edition_id, number, ballot)
            db.session.commit()

        vote_jobs = [
            ballot_requests(round_id, ballot, sessions[v], i) for i, v in enumerate(voter_ids)
        ]
        with serve(url, secret, workers, port, folder):
            # One forged session votes, before anything is timed; then every worker warms up.
            status, _ = send(
                http.client.HTTPConnection("127.0.0.1", port),
                ballot_requests(round_id, ballot, sessions[probe], 0)[0],
            )
            with app.app_context():
                mine = (Vote.round_id == round_id, Vote.voter_id == probe)
                stored = db.session.scalar(select(func.count()).where(*mine))
            if (status, stored) != (302, 1):
                raise SystemExit(f"a forged session could not vote: {status}, {stored} stored")
            run_phase(
                port, [[BARE] * 18] * args.threads, args.threads, time.monotonic() + 30, Phase()
            )
            with app.app_context():
                db.session.execute(text("DELETE FROM bench_rows"))
                db.session.commit()
            # Alternate: a slice of voters, then as many bare requests as they sent.
            votes, bare, done = Phase(), Phase(), 0
            step = -(-len(voter_ids) // args.slices)
            for start in range(0, len(voter_ids), step):
                deadline = time.monotonic() + args.max_seconds / args.slices
                taken = run_phase(
                    port, vote_jobs[start : start + step], args.threads, deadline, votes
                )
                run_phase(port, [[BARE] * 18] * taken, args.threads, deadline + 600, bare)
                done += taken
        with app.app_context():
            checks = check_run(round_id, voter_ids, done, votes, bare)
        ratio = votes.rate() / bare.rate() if bare.rate() else 0.0
        print(
            f"{workers:>7}  {votes.rate():7.0f}  {votes.ms(50):6.1f}  {votes.ms(99):6.1f}  "
            f"{bare.rate():7.0f}  {bare.ms(50):6.1f}  {bare.ms(99):6.1f}  {ratio:5.2f}  {checks}",
            flush=True,
        )


if __name__ == "__main__":
    main()
