"""Build a round's vote log: the pure tree, and the worker's batch on a real database.

    .venv/bin/python bench/vote_log.py [--votes 200000] [--database-url sqlite|URL]

Two figures: (1) the tree alone, in memory: encode each vote's leaf, hash it, build every
node and the root (``prizes.transparency.merkle``); then 1,000 inclusion and consistency
proofs; (2) the worker's batch (``extend_log``) over a round holding ``--votes`` votes
loaded as bench/tally.py loads them: read the votes, insert the leaves and stored nodes,
sign the head, commit. By default on a fresh SQLite file in a temporary folder; a
PostgreSQL URL has its public schema dropped and recreated (never point it at a database
someone else uses). bench/README.md records the figures.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from tally import load_round

from prizes import create_app
from prizes.core.clock import now
from prizes.db import db
from prizes.transparency import leaves, merkle
from prizes.transparency.queries import StoredTree
from prizes.transparency.services import extend_log
from prizes.voting.models import VotingRound


def pure(count: int) -> None:
    started = time.perf_counter()
    at = leaves.minute(now())
    hashes = [
        merkle.leaf_hash(leaves.vote_leaf(leaves.receipt_hash(f"T{n}"), n % 18 + 1, n % 180, at))
        for n in range(count)
    ]
    hashed = time.perf_counter()
    levels = merkle.build_levels(hashes)
    source = merkle.levels_source(levels)
    root = merkle.root(source, count)
    built = time.perf_counter()
    picks = random.Random(1)  # noqa: S311  (which leaves to prove, not a secret)
    for _ in range(1000):
        index = picks.randrange(count)
        proof = merkle.inclusion_proof(source, index, count)
        assert merkle.verify_inclusion(index, count, hashes[index], proof, root)  # noqa: S101
    for _ in range(1000):
        first = picks.randrange(1, count + 1)
        merkle.consistency_proof(source, first, count)
    proofs = time.perf_counter()
    print(
        f"tree in memory, {count:,} leaves: leaves encoded and hashed {hashed - started:.2f} s, "
        f"nodes and root {built - hashed:.2f} s, total {built - started:.2f} s; "
        f"2,000 proofs {proofs - built:.2f} s"
    )


def batch(url: str, count: int, folder: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        _first, round_id = load_round(url, count)
        voting_round = db.session.get_one(VotingRound, round_id)
        started = time.perf_counter()
        head = extend_log(voting_round, now=now())
        db.session.commit()
        elapsed = time.perf_counter() - started
        name = db.engine.dialect.name
        print(f"{name}: the worker's batch over {count:,} votes in {elapsed:.1f} s")
        assert head is not None and head.tree_size == count  # noqa: S101
        source = StoredTree(db.session, round_id)
        started = time.perf_counter()
        for index in range(0, count, max(1, count // 100)):
            merkle.inclusion_proof(source, index, count)
            source = StoredTree(db.session, round_id)  # each proof from cold, as a request
        print(f"  100 inclusion proofs from the tables: {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--database-url", default="sqlite")
    args = parser.parse_args()
    pure(args.votes)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url
        if url == "sqlite":
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        batch(url, args.votes, Path(folder))


if __name__ == "__main__":
    main()
