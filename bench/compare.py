"""The project against a bare Flask app, in the production configuration, with wrk.

    .venv/bin/python bench/compare.py [--quick] [--database-url URL] [--workers 2]
                                      [--pairs 3] [--seconds 5] [--votes 1000000]

What it does, in one run (bench/README.md explains why each step is so):

1. An empty schema in the given PostgreSQL database (its public schema is dropped): a
   voting edition with 28 projects in each of the 18 categories and an open round; last
   year's edition with a finalised round of ``--votes`` votes (advanced through the
   secretariat's own use case, which stores its counts) and published winners; voters
   with real argon2id hashes of the configured cost; 10,000 stocktaking entries imported
   by the real CLI command in a subprocess (timed, start-up included).
2. Three servers under the project's ``gunicorn.conf.py`` with ``--workers``: the bare app
   (``bench/baseline_app.py``), the project as docs/deploy.md runs it on several workers
   (Redis for rate limits and the cache, rate limits on, one proxy hop trusted), and the
   project without Redis (the cache off) for the ballot page.
3. Real sign-ins through the form by several client processes (the login page's CSRF
   token, the password, the session cookie it sets; each voter from its own address in
   ``X-Forwarded-For``), timed as sign-ins per second; each voter's vote token is read
   from a real ballot page.
4. For every figure, ``--pairs`` interleaved A/B pairs: wrk against the bare app, then
   the same wrk against the project (``bench/requests.lua`` feeds per-voter requests),
   and the median ratio with its spread and the load average. Latency figures use one
   connection and compare medians.

The load generator's own ceiling is the bare "hello" in the same run; a figure within a
tenth of it, or a wrk run whose threads were busy more than 90 % of the time, is marked
"generator-bound". ``--quick`` is the short version ``make bench`` runs.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench"
UA = "prizes-bench"
PASSWORD = "bench-voter-password-7"  # noqa: S105  (the bench voters' own)
LUA = Path(__file__).with_name("requests.lua")
Line = tuple[str, str, dict[str, str], str]  # method, path, headers, body


# ---------------------------------------------------------------- wrk and its figures


@dataclass
class Run:
    rate: float
    p50_ms: float
    requests: int
    bad: int  # non-2xx/3xx answers and socket errors
    wraps: int
    busy: float  # wrk's CPU time / (wall time x its threads)
    cpu_ms: float  # the server's workers' CPU time per answer (not the database's)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)  # noqa: S607
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed (Debian/Ubuntu: apt-get install wrk); none found")
    return found


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port: int, path: str, lines: list[Line], folder: Path, *, seconds: int, conns: int) -> Run:
    threads = min(2, conns)
    requests = folder / f"requests-{port}-{secrets.token_hex(4)}.txt"
    with requests.open("w") as out:
        for method, target, headers, body in lines:
            packed = "|".join(f"{k}: {v}" for k, v in headers.items())
            out.write(f"{method}\t{target}\t{packed}\t{body}\n")
    command = [ensure_wrk(), f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(LUA), f"http://127.0.0.1:{port}{path}", "--", str(requests)]
    command.append(str(threads))
    workers_before = workers_cpu(port)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_used = workers_cpu(port) - workers_before
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    requests.unlink()
    text = done.stdout
    if done.returncode or "Requests/sec" not in text:
        raise SystemExit(f"wrk failed: {done.stderr or text}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    # A sync worker closes each connection after answering; wrk counts that as a "read"
    # error on some kernels, so only connect, write and timeout errors count as failures.
    if errors:
        bad += int(errors.group(1)) + int(errors.group(3)) + int(errors.group(4))
    wraps = int(re.search(r"wraps (\d+)", text).group(1))  # type: ignore[union-attr]
    busy = cpu / (wall * threads)
    per_answer = workers_used * 1000 / total if total else 0.0
    return Run(rate, float(value) * _UNITS[unit], total, bad, wraps, busy, per_answer)


MASTERS: dict[int, int] = {}  # port -> gunicorn master pid


def workers_cpu(port: int) -> float:
    """CPU seconds used so far by the workers of the gunicorn on ``port`` (user + system,
    from /proc): unlike a rate, it hardly depends on what else the machine is doing."""
    master, total = MASTERS.get(port), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if master is not None and int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Figure:
    name: str
    target: str
    baseline: list[Run]
    app: list[Run]
    latency: bool
    load: tuple[str, str]
    ceiling: float
    unique: bool = False  # each request may be sent once (votes)

    def ratios(self) -> list[float]:
        if self.latency:
            return [a.p50_ms for a in self.app]
        return [a.rate / b.rate for a, b in zip(self.app, self.baseline, strict=True)]

    def line(self) -> str:
        values = self.ratios()
        mid, low, high = statistics.median(values), min(values), max(values)
        notes = []
        if any(r.bad for r in self.app + self.baseline):
            notes.append(f"{sum(r.bad for r in self.app)} bad answers")
        if self.unique and any(r.wraps for r in self.app):
            notes.append("requests reused")
        app_rate = statistics.median(r.rate for r in self.app)
        busy = max(r.busy for r in self.app + self.baseline)
        if (not self.latency and app_rate > 0.9 * self.ceiling) or busy > 0.9:
            notes.append("GENERATOR-BOUND")
        if self.latency:
            base = statistics.median(r.p50_ms for r in self.baseline)
            shown = f"{mid:7.1f} ms  ({low:.1f}-{high:.1f})  hello {base:.1f} ms"
        else:
            base = statistics.median(r.rate for r in self.baseline)
            shown = f"{mid:7.2f}     ({low:.2f}-{high:.2f})  {app_rate:,.0f}/s of {base:,.0f}/s"
        cpu_a = statistics.median(r.cpu_ms for r in self.app)
        cpu_b = statistics.median(r.cpu_ms for r in self.baseline)
        shown += f"  CPU/answer {cpu_a:.1f} vs {cpu_b:.2f} ms"
        if not self.latency and cpu_a:
            shown += f" (ratio {cpu_b / cpu_a:.2f})"
        load = f"load {self.load[0]} -> {self.load[1]}"
        tail = f"wrk busy {busy:.0%}; {load}" + (f"; {'; '.join(notes)}" if notes else "")
        return f"{self.name:<34} {shown:<82} target {self.target:<8} {tail}"


def compare(
    name: str,
    target: str,
    baseline: Callable[[], Run],
    app: Callable[[], Run],
    pairs: int,
    *,
    latency: bool = False,
    ceiling: float = 0.0,
    unique: bool = False,
) -> Figure:
    before = load_average()
    runs_b, runs_a = [], []
    for _ in range(pairs):  # interleaved: baseline, app, baseline, app ...
        runs_b.append(baseline())
        runs_a.append(app())
    loads = (before, load_average())
    figure = Figure(name, target, runs_b, runs_a, latency, loads, ceiling, unique)
    print(figure.line(), flush=True)
    return figure


# ---------------------------------------------------------------- servers


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    started = time.monotonic()
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() - started > 60:
            raise SystemExit(f"the server on {port} does not answer {path}; see {log}")
        time.sleep(0.2)


@contextmanager
def gunicorn(
    app: str, env: dict[str, str], workers: int, folder: Path, probe: str
) -> Iterator[int]:
    port = free_port()
    binary = Path(sys.executable).parent / "gunicorn"
    command = [str(binary), "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(workers)]
    command += ["-b", f"127.0.0.1:{port}", app]
    log = folder / f"gunicorn-{app.replace(':', '-')}-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=os.environ | env, stdout=out, stderr=out
        )
    MASTERS[port] = proc.pid
    try:
        wait_for(port, probe, proc, log)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is needed: production runs several workers with Redis")
    port = free_port()
    command = [binary, "--port", str(port), "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
    time.sleep(0.5)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---------------------------------------------------------------- data


@dataclass
class Data:
    round_id: int
    ballot: dict[int, list[int]]
    voters: list[str]  # emails
    closed_round_id: int
    past_year: int
    import_seconds: float
    startup_seconds: list[float]


def build_data(app: object, url: str, voters: int, votes: int, folder: Path) -> Data:
    """Everything the figures read, made through the project's own code where it counts."""
    from argon2 import PasswordHasher
    from load import make_ballot, open_round, prepare_database
    from sqlalchemy import bindparam, insert, select, text
    from tally import SERIES, USERS, load_votes

    from prizes.accounts import passwords
    from prizes.accounts.models import User
    from prizes.contest.models import Category, Edition
    from prizes.core.clock import now
    from prizes.core.text import organisation_key
    from prizes.core.vocabulary import StakeholderType
    from prizes.db import UTCDateTime, db
    from prizes.nominations.models import Nomination, NominationStatus
    from prizes.review.models import Decision, DecisionOutcome
    from prizes.stocktaking.models import StocktakingEntry
    from prizes.voting import rounds
    from prizes.voting.models import VotingRound

    with app.app_context():  # type: ignore[attr-defined]
        started = time.perf_counter()
        prepare_database(url)
        db.session.execute(
            text("CREATE TABLE bench_rows (id BIGSERIAL PRIMARY KEY, created_at TIMESTAMP)")
        )
        # The million votes' voters first (consecutive ids, as bench/tally.py loads them).
        with db.engine.begin() as conn:
            statement = text(SERIES["postgresql"] + USERS)
            parameters = {"count": -(-votes // 18), "hash": PasswordHasher().hash("x")}
            conn.execute(
                statement.bindparams(bindparam("now", type_=UTCDateTime())),
                parameters | {"now": now()},
            )
        # Voters who sign in: the hash made by the project, at its configured cost.
        password_hash = passwords.hash_password(PASSWORD)
        emails = [f"signin{i}@bench.example.org" for i in range(voters)]
        profile = {"organisation_type": StakeholderType.OTHER, "country": "CH"}
        profile |= {"email_verified_at": now(), "password_hash": password_hash}
        db.session.execute(
            insert(User),
            [
                {"email": e, "email_canonical": e, "organisation_name": f"Org {e}"}
                | {"organisation_key": organisation_key(f"Org {e}")}
                | profile
                for e in emails
            ],
        )
        first_user = db.session.scalar(text("SELECT min(id) FROM users"))
        # This year's ballot: 28 projects in each category, with short descriptions.
        edition_id, ballot = make_ballot(28, first_user, description_words=60)
        round_id = open_round(edition_id, 1, ballot)
        # Last year's edition: 10 projects a category, a finalised round, published results.
        moment, day = now(), timedelta(days=1)
        current_year = db.session.get_one(Edition, edition_id).year
        past = Edition(year=current_year - 1, title=f"WSIS Prizes {current_year - 1}")
        past.submission_opens_at, past.submission_closes_at = moment - 500 * day, moment - 400 * day
        past.review_closes_at, past.selection_closes_at = moment - 390 * day, moment - 330 * day
        db.session.add(past)
        db.session.flush()
        past_ballot: dict[int, list[int]] = {}
        for category in db.session.scalars(select(Category).order_by(Category.number)):
            for k in range(10):
                name = f"Past project {category.number}-{k}"
                key = organisation_key(name)
                entry = StocktakingEntry(
                    title=name,
                    organisation=name,
                    organisation_key=key,
                    description=name,
                    stakeholder_type=StakeholderType.CIVIL_SOCIETY,
                    country="CH",
                )
                nomination = Nomination(
                    category=category,
                    entry=entry,
                    organisation_key=key,
                    short_description=name,
                    nominator_id=first_user,
                    status=NominationStatus.NOMINATED,
                    edition=past,
                    submitted_at=moment - 450 * day,
                )
                db.session.add(nomination)
                db.session.flush()
                past_ballot.setdefault(category.number, []).append(nomination.id)
        closed_id = open_round(past.id, 1, past_ballot)
        closed = db.session.get_one(VotingRound, closed_id)
        closed.opens_at, closed.closes_at = moment - 385 * day, moment - 355 * day
        closed.public_tally = True  # the public reads its counts once results are published
        db.session.commit()
        with db.engine.begin() as conn:
            load_votes(conn, votes, past_ballot, closed_id)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) votes")
        closed = db.session.get_one(VotingRound, closed_id)
        secretariat = db.session.get_one(User, first_user)
        rounds.advance_round(closed, by=secretariat, now=moment - 354 * day)
        for number, ids in past_ballot.items():
            category = db.session.scalar(select(Category).where(Category.number == number))
            for k, nomination_id in enumerate(ids[:3]):
                db.session.add(
                    Decision(
                        edition_id=past.id,
                        category_id=category.id,  # type: ignore[union-attr]
                        nomination_id=nomination_id,
                        outcome=DecisionOutcome.WINNER if k == 0 else DecisionOutcome.CHAMPION,
                        rationale="Chosen by the expert group.",
                        decided_by_id=first_user,
                        decided_at=moment - 331 * day,
                        published_at=moment - 320 * day,
                    )
                )
        past.results_published_at = moment - 320 * day
        db.session.commit()
        print(
            f"data: {votes:,} votes, {voters} sign-in voters "
            f"in {time.perf_counter() - started:.0f} s"
        )

        from import_and_search import write_csv

        csv_path = folder / "entries.csv"
        write_csv(csv_path, 10_000)
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
    startup = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([*flask, "--help"], cwd=ROOT, check=True, capture_output=True)  # noqa: S603
        startup.append(time.perf_counter() - started)
    started = time.perf_counter()
    subprocess.run([*flask, "import-entries", str(csv_path)], cwd=ROOT, check=True)  # noqa: S603
    imported = time.perf_counter() - started
    return Data(round_id, ballot, emails, closed_id, current_year - 1, imported, startup)


# ---------------------------------------------------------------- sign-ins


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _call(
    port: int, method: str, path: str, headers: dict[str, str], jar: dict[str, str], body: str = ""
) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    headers = headers | ({"Cookie": cookie} if cookie else {})
    if body:
        headers |= {"Content-Type": "application/x-www-form-urlencoded"}
    conn.request(method, path, body or None, headers)
    response = conn.getresponse()
    _cookies(response, jar)
    text = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, text


def address(index: int) -> str:
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 or 1}"


def sign_in(job: tuple[int, int, str]) -> dict[str, str] | str:
    """One voter signs in as a browser does: the login page (its CSRF token and session
    cookie), then the form sent with the password. Returns the cookies, or what failed."""
    port, index, email = job
    headers = {"User-Agent": UA, "X-Forwarded-For": address(index)}
    jar: dict[str, str] = {}
    status, page = _call(port, "GET", "/login", headers, jar)
    token = _TOKEN.search(page)
    if status != 200 or token is None:
        return f"login page {status}"
    form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    status, _ = _call(port, "POST", "/login", headers, jar, form)
    return jar if status == 302 else f"sign-in answered {status}"


def vote_token(job: tuple[int, int, dict[str, str], int]) -> tuple[dict[str, str], str] | str:
    """The vote form's CSRF token, read from the voter's real ballot page."""
    port, index, jar, round_id = job
    headers = {"User-Agent": UA, "X-Forwarded-For": address(index)}
    status, page = _call(port, "GET", f"/vote/{round_id}/1", headers, jar)
    token = _TOKEN.search(page)
    if status != 200 or token is None:
        return f"ballot page {status}"
    return jar, token.group(1)


SIGN_IN_CPU_MS: list[float] = []  # the workers' CPU per sign-in (login page and form)


@dataclass
class Voter:
    index: int
    cookie: str
    token: str

    def headers(self) -> dict[str, str]:
        return {"User-Agent": UA, "X-Forwarded-For": address(self.index), "Cookie": self.cookie}


def sign_in_all(
    port: int, emails: list[str], round_id: int, chunks: int, processes: int
) -> tuple[list[Voter], list[float]]:
    """Sign every voter in, in ``chunks`` timed parts; returns the voters and the rates."""
    voters: list[Voter] = []
    rates = []
    size = -(-len(emails) // chunks)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for start in range(0, len(emails), size):
            jobs = [(port, i, emails[i]) for i in range(start, min(start + size, len(emails)))]
            began, cpu = time.perf_counter(), workers_cpu(port)
            jars = pool.map(sign_in, jobs)  # timed: the sign-ins alone
            rates.append(len(jobs) / (time.perf_counter() - began))
            SIGN_IN_CPU_MS.append((workers_cpu(port) - cpu) * 1000 / len(jobs))
            failed = [
                f"voter {job[1]}: {jar}"
                for job, jar in zip(jobs, jars, strict=True)
                if isinstance(jar, str)
            ]
            if failed:
                raise SystemExit("; ".join(failed[:5]))
            pages = [(port, job[1], jar, round_id) for job, jar in zip(jobs, jars, strict=True)]
            for job, result in zip(jobs, pool.map(vote_token, pages), strict=True):
                if isinstance(result, str):
                    raise SystemExit(f"voter {job[1]}: {result}")
                jar, token = result
                cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
                voters.append(Voter(job[1], cookie, token))
    return voters, rates


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short slices (make bench)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL; it is wiped")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=None, help="per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--votes", type=int, default=None, help="in the closed round")
    parser.add_argument("--max-vote-rate", type=int, default=None, help="to size the voters")
    args = parser.parse_args()
    seconds = args.seconds or (2 if args.quick else 8)
    args.max_vote_rate = args.max_vote_rate or (900 if args.quick else 1500)
    # The quick run's closed round is smaller: its results are read from the counts stored at
    # the close, whatever the round's size (the full run shows it with a million votes).
    args.votes = args.votes or (200_000 if args.quick else 1_000_000)
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the targets are for PostgreSQL: give a postgresql+psycopg:// URL")
    ensure_wrk()
    folder = Path(tempfile.mkdtemp(prefix="prizes-compare-"))
    secret = secrets.token_urlsafe(32)
    # Each pair votes with voters of its own (the account limit is 30 votes a minute).
    per_pair = int(args.max_vote_rate * seconds * 1.3 / 18) + 1
    voter_count = per_pair * args.pairs
    print(
        f"compare: {args.workers} workers, wrk {args.connections} connections, {seconds} s "
        f"runs, {args.pairs} pairs; load {load_average()}; {os.cpu_count()} cores",
        flush=True,
    )

    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server())
        env = {
            "PRIZES_DATABASE_URL": args.database_url,
            "PRIZES_SECRET_KEY": secret,
            "PRIZES_INSTANCE_PATH": str(folder),
            "PRIZES_REDIS_URL": redis_url,
            "PRIZES_PROXY_HOPS": "1",  # behind one proxy, which sets X-Forwarded-For
            "PRIZES_RATE_LIMITS": "true",
            "PRIZES_LOG_LEVEL": "warning",
        }
        for name in (
            "PRIZES_BENCH_ENDPOINTS",
            "PRIZES_ARGON2_TIME_COST",
            "PRIZES_ARGON2_MEMORY_COST",
            "PRIZES_ARGON2_PARALLELISM",
        ):
            os.environ.pop(name, None)  # production cost and no bench endpoint
        os.environ.update(env)
        from prizes import create_app

        app = create_app()
        print(
            f"argon2id: t={app.config['ARGON2_TIME_COST']}, "
            f"m={app.config['ARGON2_MEMORY_COST']} KiB, p={app.config['ARGON2_PARALLELISM']}"
        )
        data = build_data(app, args.database_url, voter_count, args.votes, folder)

        base_env = {"BASELINE_DATABASE_URL": args.database_url, "PYTHONPATH": str(ROOT)}
        base = stack.enter_context(
            gunicorn("bench.baseline_app:app", base_env, args.workers, folder, "/hello")
        )
        prod = stack.enter_context(gunicorn("wsgi:app", env, args.workers, folder, "/healthz"))
        nocache_env = env | {"PRIZES_REDIS_URL": ""}
        nocache = stack.enter_context(
            gunicorn("wsgi:app", nocache_env, args.workers, folder, "/healthz")
        )

        conns = args.connections
        hello: list[Line] = [("GET", "/hello", {}, "")]

        def run(port: int, lines: list[Line], c: int = conns, path: str = "/") -> Run:
            return wrk(port, path, lines, folder, seconds=seconds, conns=c)

        def hello_run(c: int = conns) -> Run:
            return run(base, hello, c)

        figures: list[Figure] = []
        ceiling_runs = [hello_run() for _ in range(args.pairs)]
        ceiling = statistics.median(r.rate for r in ceiling_runs)
        busy = max(r.busy for r in ceiling_runs)
        print(
            f"{'generator ceiling: bare hello':<34} {ceiling:,.0f}/s (wrk busy {busy:.0%}); "
            f"every rate below is read against it",
            flush=True,
        )

        voters, rates = sign_in_all(prod, data.voters, data.round_id, args.pairs, 4)
        cpu = statistics.median(SIGN_IN_CPU_MS)
        print(
            f"{'sign-ins through the form':<34} {statistics.median(rates):7.1f}/s  "
            f"({min(rates):.1f}-{max(rates):.1f}), {len(voters)} voters, 4 client processes; "
            f"workers' CPU {cpu:.0f} ms a sign-in (at most {1000 * args.workers / cpu:.0f}/s "
            f"on {args.workers} idle cores); target >= 20/s; load {load_average()}",
            flush=True,
        )
        pages = voters[:per_pair]

        def page(port: int, path: Callable[[Voter], str]) -> Callable[[], Run]:
            return lambda: run(port, [("GET", path(v), v.headers(), "") for v in pages])

        r = data.round_id
        figures.append(
            compare(
                "category ballot page, Redis cache",
                ">= 0.35",
                hello_run,
                page(prod, lambda v: f"/vote/{r}/1"),
                args.pairs,
                ceiling=ceiling,
            )
        )
        figures.append(
            compare(
                "category ballot page, no Redis",
                ">= 0.2",
                hello_run,
                page(nocache, lambda v: f"/vote/{r}/1"),
                args.pairs,
                ceiling=ceiling,
            )
        )
        figures.append(
            compare(
                "ballot overview",
                ">= 0.2",
                hello_run,
                page(prod, lambda v: f"/vote/{r}/"),
                args.pairs,
                ceiling=ceiling,
            )
        )

        slices = iter(range(args.pairs))

        def votes() -> Run:
            k = next(slices)
            lines: list[Line] = []
            group = voters[k * per_pair : (k + 1) * per_pair]
            for position in sorted(data.ballot):
                ids = data.ballot[position]
                for v in group:
                    body = urlencode({"nomination": ids[v.index % len(ids)], "csrf_token": v.token})
                    headers = v.headers() | {"Content-Type": "application/x-www-form-urlencoded"}
                    lines.append(("POST", f"/vote/{r}/{position}", headers, body))
            return run(prod, lines)

        def bare_vote() -> Run:
            return run(base, [("POST", "/vote", {}, "")])

        vote_figure = compare(
            "vote POST vs bare INSERT",
            ">= 0.5",
            bare_vote,
            votes,
            args.pairs,
            ceiling=ceiling,
            unique=True,
        )
        figures.append(vote_figure)
        figures.append(
            compare(
                "My votes",
                ">= 0.2",
                hello_run,
                page(prod, lambda v: "/vote/mine"),
                args.pairs,
                ceiling=ceiling,
            )
        )

        # A page of 50 entries from the open-data API, as a client that does not send its
        # ETag back gets it: the answer comes from the cache, each client from an address of
        # its own (the API's own limit counts per address, as in production).
        api_clients: list[Line] = [
            ("GET", "/api/v1/entries?limit=50", {"X-Forwarded-For": address(300_000 + i)}, "")
            for i in range(6000)
        ]
        figures.append(
            compare(
                "API page of 50 entries, Redis cache",
                ">= 0.5",
                hello_run,
                lambda: run(prod, api_clients),
                args.pairs,
                ceiling=ceiling,
            )
        )

        def latency(path: str) -> Callable[[], Run]:
            return lambda: run(prod, [("GET", path, {"X-Forwarded-For": "10.250.0.1"}, "")], 1)

        def hello_one() -> Run:
            return hello_run(1)

        closed = data.closed_round_id
        for suffix in ("", ".json", ".csv"):
            figures.append(
                compare(
                    f"closed round, {args.votes // 1000:,}k votes, {suffix or 'HTML'}",
                    "< 50 ms",
                    hello_one,
                    latency(f"/vote/rounds/{closed}/results{suffix}"),
                    args.pairs,
                    latency=True,
                )
            )
        figures.append(
            compare(
                "edition's published results, median",
                "< 20 ms",
                hello_one,
                latency(f"/editions/{data.past_year}/results"),
                args.pairs,
                latency=True,
            )
        )
        searches = ["q=digital", "q=rural+broadband", "q=tele", "q=health&country=KE"]
        for query in searches[:2] if args.quick else searches:
            figures.append(
                compare(
                    f"search ?{query}, median",
                    "< 30 ms",
                    hello_one,
                    latency(f"/projects/?{query}"),
                    args.pairs,
                    latency=True,
                )
            )

        with app.app_context():
            from sqlalchemy import func, select

            from prizes.db import db
            from prizes.voting.models import Vote

            stored = db.session.scalar(select(func.count()).where(Vote.round_id == r))
        answered = sum(run.requests - run.bad for run in vote_figure.app)
        bad = sum(run.bad for run in vote_figure.app)
        # wrk stops counting at the deadline with up to one request per connection in flight.
        verdict = "ok" if answered <= stored <= answered + conns * args.pairs else "MISMATCH"
        print(
            f"votes check: {stored:,} stored for {answered:,} answers 302 "
            f"({bad} refused or failed): {verdict}"
        )
        startup = statistics.median(data.startup_seconds)
        print(
            f"{'CLI import of 10,000 entries':<34} {data.import_seconds:7.1f} s   start-up "
            f"(flask --help) {startup:.2f} s median of 3; target < 10 s"
        )
        print(f"load average at the end: {load_average()}; logs in {folder}")


if __name__ == "__main__":
    main()
