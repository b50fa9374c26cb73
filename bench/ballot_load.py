"""The ballot page of a large category over HTTP, with and without the Redis cache.

    .venv/bin/python bench/ballot_load.py [--nominations 500] [--workers 2] [--threads 8]
                                          [--seconds 60] [--database-url URL] [--redis-url URL]

The default database is PostgreSQL test_bench, whose public schema is dropped and recreated;
``--database-url sqlite`` uses a fresh SQLite file in a temporary folder. One open round
has ``--nominations`` projects in category 1 (each with a short description of 170 words)
and 5 in each other category. Two gunicorn servers run side by side on the same database,
one without ``PRIZES_REDIS_URL`` and one with it; signed-in voters (a different one for
each request, so each page is shuffled anew) GET ``/vote/<round>/1`` from both, in
alternating slices so that both see the same machine. Prints requests per second, median
and p99 latency of each, and the resident memory (VmRSS) of every gunicorn worker after the
load. The Redis database given is emptied first.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import tempfile
import time
from pathlib import Path

import redis
from load import (
    DEFAULT_URL,
    Phase,
    Request,
    Server,
    add_voters,
    fetch,
    forge_session,
    free_port,
    make_ballot,
    open_round,
    prepare_database,
    run_phase,
    serve,
)

from prizes import create_app
from prizes.core.cache import PREFIX
from prizes.db import db

DEFAULT_REDIS = "redis://127.0.0.1:6379/10"


def page_requests(round_id: int, sessions: list[tuple[str, str]]) -> list[Request]:
    """One GET of category 1's page per voter."""
    headers = {"User-Agent": "prizes-bench"}
    return [(f"/vote/{round_id}/1", None, headers | {"Cookie": c}) for c, _token in sessions]


def check_page(server: Server, request: Request, nominations: int) -> None:
    """The page answers 200 with every project as a choice, or the run stops."""
    status, body, _seconds = fetch(http.client.HTTPConnection("127.0.0.1", server.port), request)
    choices = body.count(b'name="nomination"')
    if (status, choices) != (200, nominations):
        raise SystemExit(f"port {server.port}: status {status}, {choices} choices on the page")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="or: sqlite")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--nominations", type=int, default=500, help="in category 1")
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60, help="of load, per server")
    parser.add_argument("--slices", type=int, default=6, help="alternations between servers")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="prizes-bench-"))
    url = args.database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'ballot.db'}"
    secret = secrets.token_urlsafe(32)
    app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": secret})
    started = time.perf_counter()
    with app.app_context():
        prepare_database(url)
        nominator, *voter_ids = add_voters(args.voters + 1)
        edition_id, ballot = make_ballot(
            5, nominator, sizes={1: args.nominations}, description_words=170
        )
        round_id = open_round(edition_id, 1, ballot)
        db.session.commit()
    redis.Redis.from_url(args.redis_url).flushdb()
    sessions = [forge_session(app, voter) for voter in voter_ids]
    requests = page_requests(round_id, sessions)
    print(
        f"{url.split(':')[0]}: category 1 of {args.nominations} projects, {args.voters} voters, "
        f"{args.workers} workers per server, {args.threads} connections; "
        f"seeded in {time.perf_counter() - started:.0f} s; load average {load_average()}",
        flush=True,
    )

    modes = {"no cache": "", "Redis cache": args.redis_url}
    phases = {mode: Phase() for mode in modes}
    with (
        serve(url, secret, args.workers, free_port(), folder, name="plain") as plain,
        serve(url, secret, args.workers, free_port(), folder, redis_url=args.redis_url) as cached,
    ):
        servers = dict(zip(modes, (plain, cached), strict=True))
        for server in servers.values():
            check_page(server, requests[0], args.nominations)
            # Warm up every worker (imports, templates, connections, the cache) untimed.
            warm = [[r] for r in requests[: args.threads * args.workers * 4]]
            run_phase(server.port, warm, args.threads, time.monotonic() + 60, Phase())
        cache_keys = redis.Redis.from_url(args.redis_url).keys(f"{PREFIX}:catalogue:*")
        if not any(f"ballot:{round_id}:".encode() in key for key in cache_keys):
            raise SystemExit("the cached server stored no ballot in Redis")
        jobs = [[requests[i % len(requests)]] for i in range(100_000)]
        offset = 0
        for _slice in range(args.slices):
            for mode, server in servers.items():
                deadline = time.monotonic() + args.seconds / args.slices
                phase = phases[mode]
                offset += run_phase(server.port, jobs[offset:], args.threads, deadline, phase)
        memory = {mode: server.worker_rss_mb() for mode, server in servers.items()}
        load = load_average()

    print("server        pages/s  p50 ms  p99 ms  answers            worker RSS (MiB)")
    for mode, phase in phases.items():
        rss = ", ".join(f"{size:.0f}" for size in memory[mode].values())
        print(
            f"{mode:<12}  {phase.rate():7.1f}  {phase.ms(50):6.1f}  {phase.ms(99):6.1f}  "
            f"{phase.statuses():<17}  {rss}"
        )
    print(f"load average after the run: {load} (pid {os.getpid()}, logs in {folder})")


if __name__ == "__main__":
    main()
