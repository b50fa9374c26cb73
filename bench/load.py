"""What the HTTP benchmarks share: seeding voters and a ballot, signed sessions without a
sign-in, gunicorn on loopback, and a small threaded client that records every answer.

Used by ``bench/vote_load.py`` and ``bench/ballot_load.py``; not a script of its own.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from faker import Faker
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import insert, select, text

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
from prizes.voting.models import BallotEntry, VotingRound

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "prizes-bench"}
# (path, body, headers); a body of None is a GET.
Request = tuple[str, str | None, dict[str, str]]


def prepare_database(url: str) -> None:
    """An empty schema at the newest migration (PostgreSQL: the public schema is dropped)."""
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_database()


def make_ballot(
    per_category: int,
    nominator_id: int,
    *,
    sizes: dict[int, int] | None = None,
    description_words: int = 0,
) -> tuple[int, dict[int, list[int]]]:
    """An edition with ``per_category`` nominations in each of the 18 categories (``sizes``
    overrides some, by category number); returns the edition id and the nomination ids by
    category number (the ballot position). ``description_words`` gives each nomination a
    short description of about that length, as voters read on the ballot."""
    moment = now()
    edition = make_voting_edition(moment)
    entry_fields = {"stakeholder_type": StakeholderType.CIVIL_SOCIETY, "country": "CH"}
    fields = {"nominator_id": nominator_id, "status": NominationStatus.NOMINATED}
    fields |= {"edition": edition, "submitted_at": moment - timedelta(days=30)}
    fake = Faker()
    fake.seed_instance(2026)

    def describe(name: str) -> str:
        if not description_words:
            return name
        return " ".join(fake.words(nb=description_words)).capitalize() + "."

    ballot: dict[int, list[Nomination]] = {}
    for category in db.session.scalars(select(Category).order_by(Category.number)):
        for k in range((sizes or {}).get(category.number, per_category)):
            name = f"Bench organisation {category.number}-{k}"
            key = organisation_key(name)
            entry = StocktakingEntry(
                title=name,
                organisation=name,
                organisation_key=key,
                description=name,
                **entry_fields,
            )
            nomination = Nomination(
                category=category,
                entry=entry,
                organisation_key=key,
                short_description=describe(name),
                **fields,
            )
            ballot.setdefault(category.number, []).append(nomination)
    db.session.add_all(n for group in ballot.values() for n in group)
    db.session.flush()
    return edition.id, {number: [n.id for n in group] for number, group in ballot.items()}


def open_round(edition_id: int, number: int, ballot: dict[int, list[int]]) -> int:
    """A round open now with the whole ballot; a fresh one per run, so every run inserts."""
    moment, day = now(), timedelta(days=1)
    title = f"Bench round {number}"
    voting_round = VotingRound(edition_id=edition_id, number=number, title=title, shortlist_size=5)
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
    organisations = [f"Voter organisation {i}" for i in range(count)]
    rows = [
        {"email": e, "email_canonical": e, "organisation_name": o}
        | {"organisation_key": organisation_key(o)}
        | profile
        for e, o in zip(emails, organisations, strict=True)
    ]
    db.session.execute(insert(User), rows)
    return list(db.session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.id)))


def forge_session(app: Flask, user_id: int) -> tuple[str, str]:
    """A signed-in session cookie and its form token, made as Flask, Flask-Login and
    Flask-WTF make them at a real sign-in, so that no request pays for an argon2 sign-in.

    With the client's identifier (``_id``: address and user agent) as Flask-Login stores it,
    and the sign-in time as the app stores it: without them the server would rewrite the
    cookie on every request (the client here keeps no cookies), which a browser's session
    does not make it do. Forge it when the voter starts, as a sign-in would be."""
    raw = secrets.token_hex(20)
    client = f"{b'127.0.0.1'}|{FORM['User-Agent'].encode()}"  # as Flask-Login writes it
    signed_in_at = int(time.time())
    session = {"_user_id": f"{user_id}.1", "_fresh": True, "csrf_token": raw}
    session |= {"_id": hashlib.sha512(client.encode()).hexdigest(), "remember": False}
    session |= {"signed_in_at": signed_in_at, "seen_at": signed_in_at}
    cookie = app.session_interface.get_signing_serializer(app).dumps(session)  # type: ignore[attr-defined]
    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token


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
    """Send and read the whole answer; a broken connection counts as status 0."""
    status, _body, seconds = fetch(conn, request)
    return status, seconds


def fetch(conn: http.client.HTTPConnection, request: Request) -> tuple[int, bytes, float]:
    """Like ``send``, with the answer's body (to check what a page holds)."""
    path, body, headers = request
    started = time.perf_counter()
    try:
        conn.request("GET" if body is None else "POST", path, body, headers)
        response = conn.getresponse()
        content = response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        conn.close()
        status, content = 0, b""
    return status, content, time.perf_counter() - started


def run_phase(
    port: int, jobs: Iterable[list[Request]], threads: int, deadline: float, phase: Phase
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its master's pid and port."""

    pid: int
    port: int

    def worker_pids(self) -> list[int]:
        """The worker processes: the master's children, found through /proc (Linux)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def worker_rss_mb(self) -> dict[int, float]:
        """Each worker's resident memory (VmRSS) in MiB."""
        sizes = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
        return sizes


@contextmanager
def serve(
    url: str,
    secret: str,
    workers: int,
    port: int,
    folder: Path,
    *,
    redis_url: str = "",
    name: str = "",
) -> Iterator[Server]:
    """gunicorn (sync workers, as configured for production) with the bench endpoint and no
    rate limits, once it answers; SIGTERM after. Without ``redis_url`` there is no shared
    cache: the database does every read."""
    env = os.environ | {
        "PRIZES_DATABASE_URL": url,
        "PRIZES_SECRET_KEY": secret,
        "PRIZES_INSTANCE_PATH": str(folder),
        "PRIZES_RATE_LIMITS": "false",
        "PRIZES_BENCH_ENDPOINTS": "1",
        "PRIZES_REDIS_URL": redis_url,
    }
    gunicorn, config = Path(sys.executable).parent / "gunicorn", ROOT / "gunicorn.conf.py"
    command = [str(gunicorn), "-c", str(config), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command.append("wsgi:app")  # the production settings, but these workers and address
    log = folder / f"gunicorn-{name or workers}.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    try:
        started = time.monotonic()
        probe: Request = ("/healthz", None, {})
        while send(http.client.HTTPConnection("127.0.0.1", port), probe)[0] != 200:
            if server.poll() is not None or time.monotonic() - started > 30:
                raise SystemExit(f"gunicorn does not answer /healthz; see {log}")
            time.sleep(0.1)
        yield Server(server.pid, port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
