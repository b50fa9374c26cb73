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
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask
from load import (
    DEFAULT_URL,
    FORM,
    Phase,
    Request,
    add_voters,
    forge_session,
    free_port,
    make_ballot,
    open_round,
    prepare_database,
    run_phase,
    send,
    serve,
)
from sqlalchemy import func, select, text

from prizes import create_app
from prizes.db import db
from prizes.voting.models import Vote, VoteStatus

BARE: Request = ("/_bench/insert", "", FORM)


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


def signed_in_ballots(
    app: Flask, round_id: int, ballot: dict[int, list[int]], voter_ids: list[int]
) -> Iterator[list[Request]]:
    """Each voter's ballot, signed in (its session forged) only when the voter's turn comes,
    as a real voter signs in just before voting."""
    for voter_id in voter_ids:
        yield ballot_requests(round_id, ballot, forge_session(app, voter_id), voter_id)


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
    port = free_port()

    print(f"{url.split(':')[0]}: {args.voters} voters x 18 votes, {args.threads} connections")
    print("workers  votes/s  p50 ms  p99 ms   bare/s  p50 ms  p99 ms  ratio  checks")
    for number, workers in enumerate(args.workers, start=1):
        with app.app_context():
            round_id = open_round(edition_id, number, ballot)
            db.session.commit()

        with serve(url, secret, workers, port, folder):
            # One forged session votes, before anything is timed; then every worker warms up.
            status, _ = send(
                http.client.HTTPConnection("127.0.0.1", port),
                ballot_requests(round_id, ballot, forge_session(app, probe), 0)[0],
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
                ballots = signed_in_ballots(app, round_id, ballot, voter_ids[start : start + step])
                taken = run_phase(port, ballots, args.threads, deadline, votes)
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
