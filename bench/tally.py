"""Tally one million votes: time queries.tally and queries.ranking on PostgreSQL and SQLite.

    .venv/bin/python bench/tally.py [--votes 1000000] [--database-url URL ...] [--repeat 5]

By default it runs on PostgreSQL test_bench (whose public schema is dropped and recreated)
and then on a fresh SQLite file in a temporary folder (``--database-url sqlite``). The ballot
has 10 nominations in each of the 18 categories; every voter votes in all 18, so a million
votes come from 55,556 voters (the last one votes in 10). Prints the load time, the median
of ``--repeat`` runs after one warm-up, and the query plan of the tally; bench/README.md
records the figures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from load import DEFAULT_URL, make_ballot, open_round, prepare_database
from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import Connection

from prizes import create_app
from prizes.core.clock import now
from prizes.db import UTCDateTime, db
from prizes.voting import queries
from prizes.voting.models import VotingRound

CATEGORIES, PER_CATEGORY = 18, 10
# The numbers 0 .. count-1 as a table s(n), for INSERT ... SELECT.
SERIES = {
    "postgresql": "WITH s(n) AS (SELECT generate_series(0, :count - 1))",
    "sqlite": "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s "
    "WHERE n + 1 < :count)",
}
USERS = """
INSERT INTO users (email, email_canonical, password_hash, created_at, email_verified_at,
                   organisation_name, organisation_type, country, session_version)
SELECT 'voter' || n || '@bench.example.org', 'voter' || n || '@bench.example.org', :hash,
       :now, :now, 'Voter organisation ' || n, 'other', 'CH', 1
FROM s"""
# Vote n is voter n / 18's vote in category n % 18; the choice among the 10 nominations is
# skewed (x * x / 1000 for x in 0..99) and shifted per category, so ranks differ. The
# receipt code is derived from n, so it is unique.
VOTES = """
INSERT INTO votes (round_id, category_id, nomination_id, voter_id, cast_at, receipt_code,
                   status)
SELECT :round_id, b.category_id, b.nomination_id, :first_voter + s.n / 18, :now, 'T' || s.n,
       'valid'
FROM s JOIN bench_ballot b ON b.slot = (s.n % 18) * 10
    + ((s.n / 18 + 7 * (s.n % 18)) % 100 * ((s.n / 18 + 7 * (s.n % 18)) % 100) / 1000
       + s.n % 18) % 10"""


def load_votes(conn: Connection, count: int, ballot: dict[int, list[int]], round_id: int) -> None:
    """``count`` valid votes in one statement, through a slot -> nomination table."""
    series = SERIES[conn.dialect.name]
    conn.execute(
        text(
            "CREATE TEMP TABLE bench_ballot (slot INTEGER PRIMARY KEY, category_id "
            "INTEGER, nomination_id INTEGER)"
        )
    )
    category_ids = dict(conn.execute(text("SELECT number, id FROM categories")).all())
    slots = [
        {"slot": (number - 1) * PER_CATEGORY + k, "category_id": category_ids[number], "n": n}
        for number, ids in ballot.items()
        for k, n in enumerate(ids)
    ]
    conn.execute(text("INSERT INTO bench_ballot VALUES (:slot, :category_id, :n)"), slots)
    first, last = conn.execute(
        text("SELECT min(id), max(id) FROM users WHERE email LIKE 'voter%'")
    ).one()
    voters = -(-count // CATEGORIES)
    if last - first + 1 != voters:
        raise SystemExit(f"voter ids {first}..{last} are not {voters} consecutive numbers")
    statement = text(series + VOTES).bindparams(bindparam("now", type_=UTCDateTime()))
    conn.execute(
        statement, {"count": count, "round_id": round_id, "first_voter": first, "now": now()}
    )


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # warm-up: caches, compiled statements
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def show_plan(voting_round: VotingRound) -> None:
    """Run the tally once, catch its SQL as sent, and print the nodes of its plan (with
    PostgreSQL's heap fetches and execution time)."""
    caught: list[tuple[str, object]] = []

    def catch(_conn: object, _cursor: object, statement: str, parameters: object, *_: object):
        if "count(*)" in statement and "GROUP BY votes.category_id" in statement:
            caught.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", catch)
    queries.tally(voting_round)
    event.remove(db.engine, "before_cursor_execute", catch)
    statement, parameters = caught[-1]
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters)]
        keep = ("->", "Heap Fetches", "Execution Time")
        plan = plan[:1] + [line for line in plan[1:] if line.lstrip().startswith(keep)]
    else:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = [row[-1] for row in rows]
    for line in plan:
        print(f"    | {line}")


def maintain(statement: str) -> None:
    """ANALYZE or VACUUM, which run outside a transaction."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(statement)


def time_queries(voting_round: VotingRound, label: str, repeat: int) -> None:
    tally = median_ms(lambda: queries.tally(voting_round), repeat)
    ranking = median_ms(lambda: queries.ranking(voting_round), repeat)
    print(f"  {label:<34} tally {tally:7.1f} ms   ranking {ranking:7.1f} ms")


def check(voting_round: VotingRound, count: int) -> str:
    """Every vote counted once; with the complete-ballot rule, the short last voter drops."""
    voters, short = divmod(count, CATEGORIES)
    counted = sum(sum(c.values()) for c in queries.tally(voting_round).values())
    ranking = queries.ranking(voting_round)
    sizes = {len(rows) for rows in ranking.values()}
    expected = voters * CATEGORIES if voting_round.requires_complete_ballot else count
    problems = []
    if counted != expected:
        problems.append(f"tally counts {counted} votes, expected {expected}")
    if len(ranking) != CATEGORIES or sizes != {PER_CATEGORY}:
        problems.append(f"ranking has {len(ranking)} categories of {sizes} rows")
    ballots = f"{voters:,} full ballots and one of {short} votes"
    return "; ".join(problems) or f"ok: {counted:,} votes counted ({ballots})"


def load_round(url: str, count: int) -> tuple[int, int]:
    """An empty database with the voters, a ballot and one round holding ``count`` votes;
    returns the first user's id and the round's id. In an application context."""
    prepare_database(url)
    with db.engine.begin() as conn:
        password_hash = PasswordHasher().hash("bench-password")
        parameters = {"count": -(-count // CATEGORIES), "hash": password_hash, "now": now()}
        statement = text(SERIES[conn.dialect.name] + USERS)
        conn.execute(statement.bindparams(bindparam("now", type_=UTCDateTime())), parameters)
    first_user = db.session.scalar(text("SELECT min(id) FROM users"))
    edition_id, ballot = make_ballot(per_category=PER_CATEGORY, nominator_id=first_user)
    round_id = open_round(edition_id, 1, ballot)
    db.session.commit()
    with db.engine.begin() as conn:
        load_votes(conn, count, ballot, round_id)
    return first_user, round_id


def run(url: str, count: int, repeat: int, folder: Path) -> None:
    settings = {"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench"}
    app = create_app(settings | {"REDIS_URL": None})  # time the query, never a cached tally
    with app.app_context():
        started = time.perf_counter()
        _first_user, round_id = load_round(url, count)
        name = db.engine.dialect.name
        elapsed = time.perf_counter() - started
        print(f"{name}: {count:,} votes of {-(-count // CATEGORIES):,} voters in {elapsed:.1f} s")

        voting_round = db.session.get_one(VotingRound, round_id)
        if name == "postgresql":
            maintain("ANALYZE votes")
            time_queries(voting_round, "after ANALYZE", repeat)
            show_plan(voting_round)
            db.session.commit()  # no open snapshot, or VACUUM cannot mark pages all-visible
            # What autovacuum does after a bulk insert (autovacuum_vacuum_insert_threshold):
            # the visibility map lets an index-only scan skip the table.
            maintain("VACUUM (ANALYZE) votes")
            voting_round = db.session.get_one(VotingRound, round_id)
            time_queries(voting_round, "after VACUUM ANALYZE", repeat)
            show_plan(voting_round)
            # The round holds the whole table, so the planner may prefer a sequential scan;
            # this shows what the covering index gives when it is used.
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            time_queries(voting_round, "same, sequential scans disabled", repeat)
            show_plan(voting_round)
            db.session.rollback()
            voting_round = db.session.get_one(VotingRound, round_id)
        else:
            time_queries(voting_round, "no ANALYZE", repeat)
            show_plan(voting_round)
        print(f"  check: {check(voting_round, count)}")
        voting_round.requires_complete_ballot = True
        time_queries(voting_round, "with the complete-ballot rule", repeat)
        print(f"  check: {check(voting_round, count)}")
        db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--database-url", nargs="+", default=[DEFAULT_URL, "sqlite"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prizes-bench-") as tmp:  # SQLite: 160 MB
        for url in args.database_url:
            if url.startswith("sqlite"):  # always a new file
                url = f"sqlite:///{Path(tmp) / 'tally.db'}"
            run(url, args.votes, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
