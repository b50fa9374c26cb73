"""Import 10,000 generated stocktaking entries, then time a set of filtered searches.

    .venv/bin/python bench/import_and_search.py [--entries 10000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary folder. With a PostgreSQL
URL, the schema of that database is dropped and recreated first. Prints the import time and
the median and 95th percentile of each search; bench/README.md records the figures.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from pathlib import Path

from faker import Faker
from sqlalchemy import text

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.contest.queries import list_categories
from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.db import db
from prizes.demo import make_entries
from prizes.stocktaking import importer
from prizes.stocktaking.queries import EntryFilters, Sort, search_entries
from prizes.stocktaking.search import refresh_index

SEARCHES = {
    "text": EntryFilters(text="digital"),
    "two words": EntryFilters(text="rural broadband"),
    "prefix": EntryFilters(text="tele"),
    "text + country": EntryFilters(text="health", country="KE"),
    "text + action line + SDG": EntryFilters(text="learning", action_line=ActionLine.C7, sdg=4),
    "text + type, by title": EntryFilters(
        text="network", stakeholder_type=StakeholderType.CIVIL_SOCIETY, sort=Sort.TITLE
    ),
    "filters only": EntryFilters(action_line=ActionLine.C4, sdg=5),
}


def write_csv(path: Path, count: int) -> None:
    fake = Faker()
    fake.seed_instance(42)
    random.seed(42)
    entries = make_entries(fake, count, list_categories())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(importer.FIELDS)
        for entry in entries:
            writer.writerow(
                [
                    entry.external_id,
                    entry.title,
                    entry.organisation,
                    entry.stakeholder_type.value,
                    entry.country,
                    " ".join(entry.action_line_codes),
                    entry.description,
                    " ".join(str(n) for n in entry.sdg_numbers),
                    entry.website or "",
                    entry.start_date.isoformat() if entry.start_date else "",
                    entry.end_date.isoformat() if entry.end_date else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="prizes-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_database()
        source = folder / "entries.csv"
        write_csv(source, args.entries)
        db.session.rollback()

        started = time.perf_counter()
        parsed = importer.read_entries(source)
        if parsed.errors:
            raise SystemExit(f"generated rows were refused: {parsed.errors[:3]}")
        result = importer.apply_rows(parsed.rows, source=source.name, now=now())
        db.session.commit()
        refresh_index()  # what the import-entries command does after its commit
        db.session.commit()
        elapsed = time.perf_counter() - started
        print(f"{db.engine.dialect.name}: imported {result.created} entries in {elapsed:.1f} s")

        for name, filters in SEARCHES.items():
            timings = []
            for _ in range(args.repeat):
                db.session.expunge_all()
                started = time.perf_counter()
                page = search_entries(filters, page=1)
                timings.append((time.perf_counter() - started) * 1000)
            p95 = statistics.quantiles(timings, n=20)[-1]
            median = statistics.median(timings)
            print(f"  {name:<28} {page.total:>6} hits  median {median:6.1f} ms  p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
