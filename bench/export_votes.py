"""Export every vote of a round of one million to CSV through the export job, and its memory.

    .venv/bin/python bench/export_votes.py [--votes 1000000] [--database-url URL]

The default database is PostgreSQL test_bench, whose public schema is dropped and recreated;
``--database-url sqlite`` uses a fresh SQLite file in a temporary folder. The votes are
generated as ``bench/tally.py`` generates them (one ``INSERT ... SELECT``); 1 in 100 is then
invalidated with a reason. The export runs as the worker runs it (``prizes.jobs.run_export``,
here at once in this process): it prints the time, the rows and the size of the file, and
how much the process's peak resident memory (VmHWM, reset just before) exceeded its resident
memory before the export.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from load import DEFAULT_URL
from sqlalchemy import text
from tally import load_round

from prizes import create_app, jobs
from prizes.accounts.models import User
from prizes.core.clock import now
from prizes.db import db
from prizes.exports import services
from prizes.exports.models import Export, ExportKind
from prizes.voting.models import VotingRound


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status")


def run(url: str, count: int, folder: Path) -> None:
    settings = {"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench"}
    settings |= {"REDIS_URL": None, "JOBS_IMMEDIATE": True, "EXPORT_FOLDER": str(folder)}
    app = create_app(settings)
    with app.app_context():
        started = time.perf_counter()
        first_user, round_id = load_round(url, count)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE votes SET status = 'invalidated', invalidated_at = cast_at, "
                    "invalidation_reason = '=burst from one network' WHERE id % 100 = 0"
                )
            )
        name = db.engine.dialect.name
        print(f"{name}: {count:,} votes loaded in {time.perf_counter() - started:.1f} s")

        requester = db.session.get_one(User, first_user)
        voting_round = db.session.get_one(VotingRound, round_id)
        export = services.request_export(
            ExportKind.VOTES, voting_round=voting_round, by=requester, now=now()
        )
        db.session.commit()
        before = memory_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        started = time.perf_counter()
        jobs.run_export(export.id)
        elapsed = time.perf_counter() - started
        peak = memory_kib("VmHWM")
        db.session.expire_all()
        export = db.session.get_one(Export, export.id)
        path = folder / (export.file_name or "missing")
        lines = sum(1 for _ in path.open(encoding="utf-8")) if path.exists() else 0
        ok = export.row_count == count and lines == count + 1
        print(
            f"  export: {export.status.value}, {export.row_count:,} rows in {elapsed:.1f} s "
            f"({count / elapsed:,.0f} rows/s), {path.stat().st_size / 2**20:.0f} MiB; "
            f"RSS {before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB during "
            f"(+{(peak - before) / 1024:.1f} MiB); check: {'ok' if ok else f'{lines} lines'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--database-url", nargs="+", default=[DEFAULT_URL])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prizes-bench-") as tmp:
        for url in args.database_url:
            if url.startswith("sqlite"):  # always a new file
                url = f"sqlite:///{Path(tmp) / 'export.db'}"
            run(url, args.votes, Path(tmp))


if __name__ == "__main__":
    main()
