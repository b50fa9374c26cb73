"""Named reads of the vote log: heads, proofs, the open-data file. The open-data API calls
these (they answer plain dicts and lists, ready for JSON)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prizes.db import db
from prizes.transparency import merkle
from prizes.transparency.leaves import FORMAT, receipt_hash
from prizes.transparency.models import LeafKind, LogLeaf, LogNode, TreeHead
from prizes.transparency.signing import timestamp
from prizes.voting.models import VotingRound

STORED_LEVEL = 5  # nodes of 32 leaves and more are stored; lower ones recomputed
CHUNK = 1 << STORED_LEVEL


class StoredTree:
    """The tree of one round as a ``merkle.NodeSource``: stored nodes from ``log_nodes``,
    the lower ones from the chunk of 32 leaves they sit in (one query per chunk)."""

    def __init__(self, session: Session, round_id: int) -> None:
        self.session, self.round_id = session, round_id
        self.chunks: dict[int, list[list[bytes]]] = {}
        self.nodes: dict[tuple[int, int], bytes] = {}

    def _chunk(self, number: int) -> list[list[bytes]]:
        if number not in self.chunks:
            start = number << STORED_LEVEL
            hashes = list(
                self.session.scalars(
                    select(LogLeaf.leaf_hash)
                    .where(
                        LogLeaf.round_id == self.round_id,
                        LogLeaf.leaf_index >= start,
                        LogLeaf.leaf_index < start + CHUNK,
                    )
                    .order_by(LogLeaf.leaf_index)
                )
            )
            self.chunks[number] = merkle.build_levels(hashes)
        return self.chunks[number]

    def remember(self, level: int, index: int, value: bytes) -> None:
        self.nodes[(level, index)] = value

    def __call__(self, level: int, index: int) -> bytes:
        if level < STORED_LEVEL:
            number = (index << level) >> STORED_LEVEL
            offset = index - (number << (STORED_LEVEL - level))
            return self._chunk(number)[level][offset]
        key = (level, index)
        if key not in self.nodes:
            value = self.session.scalar(
                select(LogNode.hash).where(
                    LogNode.round_id == self.round_id,
                    LogNode.level == level,
                    LogNode.node_index == index,
                )
            )
            if value is None:
                raise merkle.ProofError(f"node {level}/{index} is not stored")
            self.nodes[key] = value
        return self.nodes[key]


def log_size(round_id: int) -> int:
    last = db.session.scalar(
        select(func.max(LogLeaf.leaf_index)).where(LogLeaf.round_id == round_id)
    )
    return 0 if last is None else last + 1


def latest_head(round_id: int) -> TreeHead | None:
    return db.session.scalars(
        select(TreeHead)
        .where(TreeHead.round_id == round_id)
        .order_by(TreeHead.tree_size.desc(), TreeHead.id.desc())
        .limit(1)
    ).first()


def head_with_size(round_id: int, size: int) -> TreeHead | None:
    return db.session.scalars(
        select(TreeHead)
        .where(TreeHead.round_id == round_id, TreeHead.tree_size == size)
        .order_by(TreeHead.id.desc())
        .limit(1)
    ).first()


def head_record(head: TreeHead) -> dict:
    """A head as published: everything its signature covers, and the signature."""
    return {
        "round_id": head.round_id,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "signed_at": timestamp(head.signed_at),
        "signature": base64.b64encode(head.signature).decode("ascii"),
        "key_id": head.key_id,
        "final": head.final,
    }


def heads_of(round_id: int, *, limit: int = 200, before: int | None = None) -> list[dict]:
    """The round's signed heads, newest first (paged by tree size)."""
    query = select(TreeHead).where(TreeHead.round_id == round_id)
    if before is not None:
        query = query.where(TreeHead.tree_size < before)
    heads = db.session.scalars(
        query.order_by(TreeHead.tree_size.desc(), TreeHead.id.desc()).limit(limit)
    )
    return [head_record(head) for head in heads]


def consistency(round_id: int, first: int, second: int) -> dict | None:
    """The proof that the signed head of ``first`` leaves is a prefix of the one of
    ``second``; None when either size has no signed head."""
    older, newer = head_with_size(round_id, first), head_with_size(round_id, second)
    if older is None or newer is None or first > second or first == 0:
        return None
    proof = merkle.consistency_proof(StoredTree(db.session, round_id), first, second)
    return {
        "first": head_record(older),
        "second": head_record(newer),
        "proof": [value.hex() for value in proof],
    }


def inclusion_for_receipt(code: str) -> dict | None:
    """The inclusion proof of the vote with this receipt code against its round's latest
    signed head; None while the vote is not in a signed head yet (the next batch adds it)."""
    leaf = db.session.scalars(
        select(LogLeaf).where(
            LogLeaf.receipt_hash == receipt_hash(code), LogLeaf.kind == LeafKind.VOTE
        )
    ).first()
    if leaf is None:
        return None
    return inclusion_of(leaf)


def inclusion_of(leaf: LogLeaf, head: TreeHead | None = None) -> dict | None:
    head = head or latest_head(leaf.round_id)
    if head is None or head.tree_size <= leaf.leaf_index:
        return None
    source = StoredTree(db.session, leaf.round_id)
    proof = merkle.inclusion_proof(source, leaf.leaf_index, head.tree_size)
    return {
        "leaf_index": leaf.leaf_index,
        "leaf": leaf_record(leaf),
        "leaf_hash": leaf.leaf_hash.hex(),
        "head": head_record(head),
        "proof": [value.hex() for value in proof],
    }


def inclusions_for_votes(vote_ids: list[int]) -> dict[int, dict]:
    """The inclusion proofs of several votes (My votes), by vote id."""
    if not vote_ids:
        return {}
    leaves = db.session.scalars(
        select(LogLeaf).where(LogLeaf.vote_id.in_(vote_ids), LogLeaf.kind == LeafKind.VOTE)
    )
    out: dict[int, dict] = {}
    heads: dict[int, TreeHead | None] = {}
    for leaf in leaves:
        if leaf.round_id not in heads:
            heads[leaf.round_id] = latest_head(leaf.round_id)
        proof = inclusion_of(leaf, heads[leaf.round_id])
        if proof is not None and leaf.vote_id is not None:
            out[leaf.vote_id] = proof
    return out


def leaf_record(leaf: LogLeaf) -> dict:
    """A leaf as the open-data file lists it (no vote id, no voter)."""
    record: dict = {"index": leaf.leaf_index, "kind": leaf.kind.value}
    if leaf.kind is LeafKind.VOTE:
        record |= {
            "receipt_hash": leaf.receipt_hash,
            "category": leaf.category_number,
            "nomination": leaf.nomination_id,
        }
    else:
        record |= {"target": leaf.target_index, "reason": leaf.reason_code}
    record["minute"] = leaf.minute.strftime("%Y-%m-%dT%H:%MZ")
    return record


def log_is_public(voting_round: VotingRound) -> bool:
    """The full leaf list is public once the round is closed for good and the edition's
    results are out, and only for a round that publishes its tally: the leaves recount to
    the per-project counts, which stay hidden until then. Before, only the heads are."""
    return bool(
        voting_round.finalised_at
        and voting_round.public_tally
        and voting_round.edition.results_published_at is not None
    )


def iter_log_document(
    voting_round: VotingRound, *, head: TreeHead | None = None, batch: int = 5000
) -> Iterator[str]:
    """The open-data file of a round's log, as JSON text in pieces (a million leaves are
    streamed, never held at once): its leaves and a signed head over them all (the
    latest unless one is given)."""
    import json

    head = head or latest_head(voting_round.id)
    yield "{" + f'"format": {json.dumps(FORMAT)}, "round": '
    yield json.dumps({"id": voting_round.id, "title": voting_round.title}) + ', "head": '
    yield json.dumps(head_record(head) if head else None) + ', "leaves": ['
    size = head.tree_size if head else 0
    start, first = 0, True
    while start < size:
        leaves = db.session.scalars(
            select(LogLeaf)
            .where(
                LogLeaf.round_id == voting_round.id,
                LogLeaf.leaf_index >= start,
                LogLeaf.leaf_index < min(size, start + batch),
            )
            .order_by(LogLeaf.leaf_index)
        ).all()
        if not leaves:
            break
        for leaf in leaves:
            yield ("" if first else ",\n") + json.dumps(leaf_record(leaf))
            first = False
        start += batch
    yield "]}\n"


def rounds_with_heads(moment: datetime) -> list[VotingRound]:
    """The rounds whose log has begun, for the public index of logs."""
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.opens_at <= moment)
            .order_by(VotingRound.opens_at.desc())
        )
    )


def rounds_needing_a_batch(moment: datetime) -> list[int]:
    """The rounds whose log has news for a batch (new votes, new invalidations, the close
    or the finalisation not yet signed), and no batch already waiting or running. A quiet
    round costs a few indexed reads a minute, and no job run."""
    from prizes.core.runs import JobRun, RunStatus
    from prizes.voting.models import Vote, VoteStatus

    waiting = select(JobRun.subject_id).where(
        JobRun.kind == "vote_log", JobRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])
    )
    final = select(TreeHead.round_id).where(TreeHead.final.is_(True))
    candidates = db.session.scalars(
        select(VotingRound)
        .where(VotingRound.opens_at <= moment)
        .where(VotingRound.id.not_in(final), VotingRound.id.not_in(waiting))
        .order_by(VotingRound.id)
    ).all()
    due = []
    for voting_round in candidates:
        head = latest_head(voting_round.id)
        newest_vote, invalid = db.session.execute(
            select(
                func.max(Vote.id), func.count().filter(Vote.status == VoteStatus.INVALIDATED)
            ).where(Vote.round_id == voting_round.id)
        ).one()
        logged, logged_invalid = db.session.execute(
            select(
                func.max(LogLeaf.vote_id), func.count().filter(LogLeaf.counted.is_(False))
            ).where(LogLeaf.round_id == voting_round.id, LogLeaf.kind == LeafKind.VOTE)
        ).one()
        if (
            head is None
            or (newest_vote is not None and (logged is None or newest_vote > logged))
            or invalid != logged_invalid
            or (moment >= voting_round.closes_at and head.signed_at < voting_round.closes_at)
            or voting_round.finalised_at is not None
        ):
            due.append(voting_round.id)
    return due
