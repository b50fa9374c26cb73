"""Growing the vote log: the worker's batch (``extend_log``), every minute and at close.

The vote path is untouched (one statement, no chain): the batch reads, after their commit,
the votes not yet in the log, by id, and the votes whose status changed since it last
logged them; it appends their leaves, stores the nodes they complete and signs a head.
One batch at a time per round: it locks the round's row first (PostgreSQL), and the job run
is claimed under a lease."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from prizes.contest.models import Category
from prizes.core import audit
from prizes.core.cache import bump_after_commit
from prizes.db import db, insert_many
from prizes.transparency import leaves, merkle, signing
from prizes.transparency.models import LeafKind, LogLeaf, LogNode, TreeHead
from prizes.transparency.queries import STORED_LEVEL, StoredTree, latest_head, log_size
from prizes.voting.models import INVALIDATION_REASON_CODE, Vote, VoteStatus, VotingRound

BATCH = 20_000
# Votes are read by id after their commit; one committed late (its id taken before a
# neighbour's that is already logged) is still found within this many ids behind.
STRAGGLER_WINDOW = 10_000
# Reason codes of the log: the reason's words stay with the secretariat.
INVALIDATED = INVALIDATION_REASON_CODE
REINSTATED = "reinstated"


def extend_log(voting_round: VotingRound, *, now: datetime) -> TreeHead | None:
    """Append what is new, sign a head when the log grew (or none is signed yet, or the
    round just closed for good). Returns the new head, or None when nothing changed."""
    session = db.session
    _lock(session, voting_round)
    old_size = log_size(voting_round.id)
    size = old_size
    tree = StoredTree(session, voting_round.id)
    for window in _vote_windows(session, voting_round.id):
        size = _append(
            session, tree, voting_round.id, size, _new_votes(session, voting_round.id, window)
        )
    size = _append(session, tree, voting_round.id, size, _status_changes(session, voting_round.id))
    closed = voting_round.finalised_at is not None or now >= voting_round.closes_at
    head = latest_head(voting_round.id)
    if head is not None and head.tree_size == size and not _due(head, voting_round, closed):
        return None
    root = merkle.root(tree, size)
    signed_at = signing.timestamp(now)
    message = signing.head_message(voting_round.id, size, root.hex(), signed_at)
    new_head = TreeHead(
        round_id=voting_round.id,
        tree_size=size,
        root_hash=root,
        signed_at=datetime.fromisoformat(signed_at.replace("Z", "+00:00")),
        signature=signing.sign(message),
        key_id=signing.key_id(),
        final=voting_round.finalised_at is not None,
    )
    session.add(new_head)
    session.flush()
    if closed:
        audit.record(
            session, "log.head_signed", actor=None, target=voting_round, size=size, root=root.hex()
        )
        # The results record names the round's latest head: it is built again.
        bump_after_commit(session, f"tally:{voting_round.id}")
    return new_head


def _due(head: TreeHead, voting_round: VotingRound, closed: bool) -> bool:
    """A head of the same size is signed again once at close, and once at finalisation
    (``final``), so that the round's last head is dated after it ended."""
    if voting_round.finalised_at is not None:
        return not head.final
    return closed and head.signed_at < voting_round.closes_at


def _lock(session: Session, voting_round: VotingRound) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(VotingRound.id).where(VotingRound.id == voting_round.id).with_for_update()
        )


def _vote_windows(session: Session, round_id: int) -> list[tuple[int, int]]:
    """The id ranges to read new votes in: from a little behind the last logged vote (a
    straggler's commit) to the round's newest vote, BATCH ids at a time. Ranges of the
    primary key, so that each read costs its own rows, not the round's."""
    last = session.scalar(
        select(func.max(LogLeaf.vote_id)).where(
            LogLeaf.round_id == round_id, LogLeaf.kind == LeafKind.VOTE
        )
    )
    low, high = session.execute(
        select(func.min(Vote.id), func.max(Vote.id)).where(Vote.round_id == round_id)
    ).one()
    if high is None:
        return []
    start = low if last is None else max(low, last - STRAGGLER_WINDOW)
    return [(lo, min(lo + BATCH, high + 1)) for lo in range(start, high + 1, BATCH)]


def _new_votes(session: Session, round_id: int, window: tuple[int, int]) -> list[dict]:
    logged = aliased(LogLeaf)
    query = (
        select(Vote.id, Vote.receipt_code, Category.number, Vote.nomination_id, Vote.cast_at)
        .join(Category, Category.id == Vote.category_id)
        .where(Vote.id >= window[0], Vote.id < window[1], Vote.round_id == round_id)
        .where(~exists().where(and_(logged.vote_id == Vote.id, logged.kind == LeafKind.VOTE)))
        .order_by(Vote.id)
    )
    return [
        {
            "kind": LeafKind.VOTE,
            "vote_id": vote_id,
            "receipt_hash": leaves.receipt_hash(code),
            "category_number": number,
            "nomination_id": nomination_id,
            "target_index": None,
            "reason_code": None,
            "minute": cast_at.replace(second=0, microsecond=0),
            "counted": True,
        }
        for vote_id, code, number, nomination_id, cast_at in session.execute(query)
    ]


def _status_changes(session: Session, round_id: int) -> list[dict]:
    """The votes whose status is not what the log last said: an invalidation each, or a
    reinstatement, naming the vote's leaf."""
    query = (
        select(LogLeaf.leaf_index, LogLeaf.vote_id, Vote.status, Vote.invalidated_at)
        .join(Vote, Vote.id == LogLeaf.vote_id)
        .where(LogLeaf.round_id == round_id, LogLeaf.kind == LeafKind.VOTE)
        .where(
            ((Vote.status == VoteStatus.INVALIDATED) & LogLeaf.counted.is_(True))
            | ((Vote.status == VoteStatus.VALID) & LogLeaf.counted.is_(False))
        )
        .order_by(LogLeaf.leaf_index)
    )
    rows = []
    from prizes.core.clock import now

    for index, vote_id, status, invalidated_at in session.execute(query):
        invalid = status is VoteStatus.INVALIDATED
        moment = (invalidated_at if invalid and invalidated_at else now()).replace(
            second=0, microsecond=0
        )
        rows.append(
            {
                "kind": LeafKind.INVALIDATION if invalid else LeafKind.REINSTATEMENT,
                "vote_id": None,
                "receipt_hash": None,
                "category_number": None,
                "nomination_id": None,
                "target_index": index,
                "reason_code": INVALIDATED if invalid else REINSTATED,
                "minute": moment,
                "status_of": vote_id,
                "counted": None,
            }
        )
    return rows


def _leaf_data(row: dict, minutes: dict[datetime, str]) -> bytes:
    """The leaf's bytes; ``minutes`` keeps each minute's text (a batch has few minutes)."""
    at = minutes.get(row["minute"]) or minutes.setdefault(
        row["minute"], leaves.minute(row["minute"])
    )
    if row["kind"] is LeafKind.VOTE:
        return leaves.vote_leaf(
            row["receipt_hash"], row["category_number"], row["nomination_id"], at
        )
    return leaves.status_leaf(row["kind"].value, row["target_index"], row["reason_code"], at)


def _append(session: Session, tree: StoredTree, round_id: int, size: int, rows: list[dict]) -> int:
    """Insert the leaves at ``size`` on, and the stored nodes they complete. ``rows`` are the
    leaves' columns (one key set for all), completed here with their place and hash."""
    if not rows:
        return size
    status_of = [row.pop("status_of") for row in rows if "status_of" in row]
    minutes: dict[datetime, str] = {}
    hashes = []
    for index, row in enumerate(rows, start=size):
        leaf_hash = merkle.leaf_hash(_leaf_data(row, minutes))
        row["round_id"], row["leaf_index"], row["leaf_hash"] = round_id, index, leaf_hash
        hashes.append(leaf_hash)
    # One executemany (COPY on PostgreSQL) with each value converted once. (A declared
    # model's __table__ is a Table; SQLAlchemy types it as any FromClause.)
    insert_many(session, cast(Table, LogLeaf.__table__), rows)
    if status_of:
        session.execute(
            update(LogLeaf)
            .where(LogLeaf.round_id == round_id, LogLeaf.vote_id.in_(status_of))
            .values(counted=~LogLeaf.counted)
            .execution_options(synchronize_session=False)
        )
    new_size = size + len(rows)
    tree.chunks.clear()

    def source(level: int, index: int) -> bytes:
        if level == 0 and index >= size:
            return hashes[index - size]
        return tree(level, index)

    nodes = merkle.new_nodes(size, new_size, source)
    stored = [
        {"round_id": round_id, "level": level, "node_index": index, "hash": value}
        for level, index, value in nodes
        if level >= STORED_LEVEL
    ]
    for level, index, value in nodes:
        if level >= STORED_LEVEL:
            tree.remember(level, index, value)
    if stored:
        insert_many(session, cast(Table, LogNode.__table__), stored)
    return new_size
