from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.contest.models import Category, Edition
from prizes.core.clock import now
from prizes.db import Base, PortableBigInt, UTCDateTime, enum_type
from prizes.nominations.models import Nomination


class VotingRound(Base):
    __tablename__ = "voting_rounds"
    __table_args__ = (
        UniqueConstraint("edition_id", "number"),
        CheckConstraint("opens_at < closes_at", name="open_before_close"),
        CheckConstraint("shortlist_size BETWEEN 1 AND 50", name="shortlist_size_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    number: Mapped[int] = mapped_column(SmallInteger, default=1)
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How many per category go on to the next round or to the expert shortlist: the
    # edition's "shortlist per category", copied when the round is set up and advanced.
    shortlist_size: Mapped[int] = mapped_column(SmallInteger)
    # Count a ballot only when every category is voted (the 2013 rule; off by default).
    requires_complete_ballot: Mapped[bool] = mapped_column(Boolean, default=False)
    public_tally: Mapped[bool] = mapped_column(Boolean, default=False)
    # Ask a proof of work (ALTCHA) with every vote; the secretariat turns it on under attack.
    requires_proof_of_work: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the secretariat advances the top K; the round is then final.
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    edition: Mapped[Edition] = relationship()

    def is_open(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at and self.finalised_at is None

    def __repr__(self) -> str:
        return f"<VotingRound {self.id} {self.title!r}>"


class BallotEntry(Base):
    """A nomination on a round's ballot, in its category."""

    __tablename__ = "ballot_entries"
    __table_args__ = (UniqueConstraint("round_id", "category_id", "nomination_id"),)

    round_id: Mapped[int] = mapped_column(
        ForeignKey("voting_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))

    nomination: Mapped[Nomination] = relationship()
    category: Mapped[Category] = relationship()


class VoteStatus(StrEnum):
    VALID = "valid"
    INVALIDATED = "invalidated"


class Vote(Base):
    """A cast vote. Never deleted: an invalid vote is marked, with who, when and why."""

    __tablename__ = "votes"
    __table_args__ = (
        # The rule the whole contest rests on: one vote per voter per category per round.
        UniqueConstraint("round_id", "category_id", "voter_id"),
        # A vote can only name a nomination that is on that round's ballot in that category.
        ForeignKeyConstraint(
            ["round_id", "category_id", "nomination_id"],
            [
                "ballot_entries.round_id",
                "ballot_entries.category_id",
                "ballot_entries.nomination_id",
            ],
            name="fk_votes_ballot_entry",
        ),
        CheckConstraint(
            "status = 'valid' OR (invalidated_at IS NOT NULL AND invalidation_reason IS NOT NULL)",
            name="invalidation_recorded",
        ),
        Index("ix_votes_tally", "round_id", "category_id", "status", "nomination_id"),
        Index("ix_votes_voter", "voter_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(PortableBigInt, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_rounds.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    receipt_code: Mapped[str] = mapped_column(String(32), unique=True)
    # Keyed hashes (HMAC with the secret key) of the network and device, never in clear.
    network_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    device_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[VoteStatus] = mapped_column(
        enum_type(VoteStatus, "vote_status"), default=VoteStatus.VALID
    )
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invalidated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    invalidation_reason: Mapped[str | None] = mapped_column(Text)

    nomination: Mapped[Nomination] = relationship()
    category: Mapped[Category] = relationship()
    round: Mapped[VotingRound] = relationship()


class FlagStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"


class SuspicionFlag(Base):
    """A pattern the fraud checks found, with its evidence, for the secretariat to review."""

    __tablename__ = "suspicion_flags"
    __table_args__ = (UniqueConstraint("round_id", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_rounds.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # What the flag is about, e.g. a network hash or a nomination id, as text.
    subject: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    vote_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[FlagStatus] = mapped_column(
        enum_type(FlagStatus, "flag_status"), default=FlagStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
