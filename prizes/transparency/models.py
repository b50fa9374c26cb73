"""The vote log of each round: its leaves, the nodes kept for fast proofs, its signed heads.

Only the leaf's public fields enter its hash (see ``prizes.transparency.leaves``); the vote
it stands for (``vote_id``) and the status last logged are the worker's bookkeeping, never
published."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from prizes.db import Base, PortableBigInt, UTCDateTime, enum_type


class LeafKind(StrEnum):
    VOTE = "vote"
    INVALIDATION = "invalidation"
    REINSTATEMENT = "reinstatement"


class LogLeaf(Base):
    """One leaf of a round's log, at its place (``leaf_index``, from 0)."""

    __tablename__ = "log_leaves"
    __table_args__ = (
        Index("ix_log_leaves_vote", "vote_id"),
        Index("ix_log_leaves_receipt", "receipt_hash"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    leaf_index: Mapped[int] = mapped_column(PortableBigInt, primary_key=True, autoincrement=False)
    kind: Mapped[LeafKind] = mapped_column(enum_type(LeafKind, "log_leaf_kind"))
    minute: Mapped[datetime] = mapped_column(UTCDateTime)
    # A vote: SHA-256 of its receipt code, its category's number, its nomination.
    receipt_hash: Mapped[str | None] = mapped_column(String(64))
    category_number: Mapped[int | None] = mapped_column(SmallInteger)
    nomination_id: Mapped[int | None] = mapped_column(Integer)
    # An invalidation or a reinstatement: the vote's leaf, and why.
    target_index: Mapped[int | None] = mapped_column(PortableBigInt)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Bookkeeping (not in the hash): the vote, and whether it counted when last logged.
    vote_id: Mapped[int | None] = mapped_column(PortableBigInt, ForeignKey("votes.id"))
    counted: Mapped[bool | None] = mapped_column(Boolean)


class LogNode(Base):
    """A complete aligned node of the tree (level >= ``STORED_LEVEL``): the root of leaves
    [index * 2**level, (index + 1) * 2**level). Lower nodes are recomputed from a chunk of
    leaves, so the table stays small (1/32 of the leaves)."""

    __tablename__ = "log_nodes"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(PortableBigInt, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TreeHead(Base):
    """A signed tree head: the log of a round had ``tree_size`` leaves and this root at
    ``signed_at``, says the contest's key."""

    __tablename__ = "log_heads"
    __table_args__ = (Index("ix_log_heads_round", "round_id", "tree_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_rounds.id", ondelete="CASCADE"))
    tree_size: Mapped[int] = mapped_column(PortableBigInt)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(64))
    # The round was closed when this head was signed: the log it heads is the published one.
    final: Mapped[bool] = mapped_column(Boolean, default=False)
