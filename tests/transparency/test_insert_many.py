"""``insert_many``, the vote log's fast insert: what goes in by it reads back through the
ORM as what was given, on SQLite (executemany) and PostgreSQL (COPY)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import cast

from sqlalchemy import Table, select

from prizes.db import insert_many
from prizes.transparency.models import LeafKind, LogLeaf, LogNode


def test_rows_read_back_as_given(db, log_contest) -> None:
    round_id = log_contest.voting_round.id
    geneva = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 10, 7, tzinfo=geneva)  # an aware time, not in UTC
    rows = [
        {
            "round_id": round_id,
            "leaf_index": index,
            "kind": (LeafKind.VOTE if index % 2 else LeafKind.INVALIDATION).value,
            "minute": moment,
            "receipt_hash": f"{index:064x}" if index % 2 else None,
            "category_number": 3 if index % 2 else None,
            "nomination_id": None,
            "target_index": None if index % 2 else index - 1,
            "reason_code": None if index % 2 else "invalidated",
            "leaf_hash": bytes([index]) * 32,
            "vote_id": None,
            "counted": True if index % 2 else None,
        }
        for index in range(5)
    ]
    insert_many(db, cast(Table, LogLeaf.__table__), rows)
    insert_many(db, cast(Table, LogNode.__table__), [])  # nothing to insert: no statement
    db.commit()

    stored = db.scalars(
        select(LogLeaf).where(LogLeaf.round_id == round_id).order_by(LogLeaf.leaf_index)
    ).all()
    assert [leaf.leaf_index for leaf in stored] == [0, 1, 2, 3, 4]
    assert stored[1].kind is LeafKind.VOTE and stored[0].kind is LeafKind.INVALIDATION
    assert all(leaf.minute == moment.astimezone(UTC) for leaf in stored)
    assert stored[1].receipt_hash == f"{1:064x}" and stored[2].receipt_hash is None
    assert stored[3].counted is True and stored[2].counted is None
    assert stored[4].leaf_hash == bytes([4]) * 32
    assert stored[2].target_index == 1 and stored[2].reason_code == "invalidated"
