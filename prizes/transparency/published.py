"""The published records, made once instead of on every request.

- The results record of an edition (``bundle.build_bundle``, its canonical bytes) is the same
  document while nothing it counts changes: it is kept under the catalogue's version and the
  tally versions of the edition's rounds, which every change to a decision, a count or an
  invalidation bumps. The results page shows its digest, so a page costs a lookup, not a
  rebuild.
- The vote log of a finished round (its final head signed) no longer grows: its open-data
  file is written once to the instance folder, named after that head, and served from the
  file. The worker writes it when the results are published; a host that has not got it yet
  writes it at the first request. A later head (an invalidation after the end) has another
  name, so a file never stands for a head it does not hold.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from prizes.contest.models import Edition
from prizes.core import cache
from prizes.db import db
from prizes.transparency.bundle import build_bundle, canonical
from prizes.transparency.models import TreeHead
from prizes.transparency.queries import iter_log_document, latest_head
from prizes.voting.models import VotingRound

FOLDER = "published"


def record_text(edition: Edition) -> str:
    """The results record's exact text (what its digest and signature cover)."""
    round_ids = db.session.scalars(
        select(VotingRound.id).where(VotingRound.edition_id == edition.id)
    ).all()
    tallies = ",".join(str(cache.version(f"tally:{i}")) for i in round_ids)
    key = f"results-record:{edition.id}:{tallies}"

    def build() -> str:
        return canonical(build_bundle(edition)).decode()

    def shared() -> str:
        return cache.cached("catalogue", key, build)

    return cache.cached_here("catalogue", key, shared, room="api")


def record_digest(edition: Edition) -> str:
    return hashlib.sha256(record_text(edition).encode()).hexdigest()


def final_head(voting_round: VotingRound) -> TreeHead | None:
    """The head the round's log ends with, once the round is finalised; else None."""
    head = latest_head(voting_round.id)
    return head if head is not None and head.final else None


def log_file(voting_round: VotingRound) -> Path | None:
    """The written open-data file of a finished round's log (written now if this host has
    not got it yet); None while the log may still grow."""
    head = final_head(voting_round)
    if head is None:
        return None
    folder = Path(current_app.instance_path) / FOLDER
    # Named after the signed head itself (its signature covers round, size, root and time).
    signed = hashlib.sha256(head.signature).hexdigest()[:32]
    path = folder / f"round-{voting_round.id}-log-{head.tree_size}-{signed}.json"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a reader never sees half a file, and two writers at
        # once each rename a whole one.
        partial = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            with partial.open("w", encoding="utf-8") as out:
                for piece in iter_log_document(voting_round, head=head):
                    out.write(piece)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path
