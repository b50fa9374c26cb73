from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.contest.models import Category, Edition
from prizes.core.clock import now
from prizes.core.vocabulary import LabelledEnum
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
    # The valid votes per category and nomination ({"category id": {"nomination id": n}})
    # as counted when the round was finalised: what decided the shortlist, and what its
    # results show from then on (a finalised round takes no more votes).
    final_counts: Mapped[dict[str, dict[str, int]] | None] = mapped_column(JSON)
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


class FlagKind(LabelledEnum):
    """What a suspicion flag says happened (voting/fraud.py finds each), with its label."""

    NETWORK_BURST = "network_burst", _l("Burst of votes from one network")
    BULK_LOGINS = "bulk_logins", _l("Many accounts signing in from one network or device")
    FRESH_SINGLE_PROJECT = "fresh_single_project", _l("New accounts voting for one project only")
    MACHINE_CADENCE = "machine_cadence", _l("Votes at machine-like regular intervals")
    MATCHING_BALLOTS = "matching_ballots", _l("Accounts whose ballots coincide far beyond chance")


def flag_label(kind: str) -> str:
    """A stored flag's kind as the secretariat reads it (a kind this code does not know, from
    a newer or older version, shows as stored)."""
    try:
        return FlagKind(kind).label
    except ValueError:
        return kind


class FlagStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"

    @property
    def label(self) -> str:
        """The status as the secretariat reads it on the flag review screens."""
        return str(_FLAG_STATUS_LABELS[self])


_FLAG_STATUS_LABELS = {
    FlagStatus.OPEN: _l("Open"),
    FlagStatus.DISMISSED: _l("Dismissed"),
    FlagStatus.ACTIONED: _l("Actioned"),
}


class SuspicionFlag(Base):
    """A pattern the fraud checks found, with its evidence, for the secretariat to review.

    A pattern (round, kind, subject) has one current flag. Once the secretariat has actioned
    it, new evidence of the same pattern comes as a new flag that ``follows`` the old one, so
    a decision, and the evidence it was taken on, is never reopened or overwritten.
    """

    __tablename__ = "suspicion_flags"
    __table_args__ = (
        # One first flag per pattern; each later one follows exactly one earlier flag.
        Index(
            "uq_suspicion_flags_first_of_pattern",
            "round_id",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("follows_id IS NULL"),
            postgresql_where=text("follows_id IS NULL"),
        ),
        CheckConstraint("follows_id <> id", name="follows_another_flag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_rounds.id"))
    kind: Mapped[FlagKind] = mapped_column(enum_type(FlagKind, "flag_kind"))
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
    # The actioned flag of the same pattern that this one brings new evidence for.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("suspicion_flags.id"), unique=True)

    follows: Mapped[SuspicionFlag | None] = relationship(remote_side=[id])


# The reason code an invalidation carries in the public vote log and in the mail that tells
# the voter: the reason's own words stay with the secretariat.
INVALIDATION_REASON_CODE = "secretariat"


class ReviewStatus(StrEnum):
    """Where a nomination marked by the integrity threshold stands (prizes.voting.integrity)."""

    PENDING = "pending"
    KEPT = "kept"
    DISQUALIFIED = "disqualified"

    @property
    def label(self) -> str:
        return str(_REVIEW_STATUS_LABELS[self])


_REVIEW_STATUS_LABELS = {
    ReviewStatus.PENDING: _l("Awaiting review"),
    ReviewStatus.KEPT: _l("Kept"),
    ReviewStatus.DISQUALIFIED: _l("Disqualified"),
}


class IntegrityReview(Base):
    """A nominee of a round whose share of invalidated or flagged votes passed the edition's
    integrity threshold: marked for the secretariat, who keeps it or disqualifies it (with a
    reason) before the shortlist is made. A disqualified nomination is never shortlisted."""

    __tablename__ = "integrity_reviews"
    __table_args__ = (
        UniqueConstraint("round_id", "nomination_id"),
        CheckConstraint(
            "status <> 'disqualified' OR reason IS NOT NULL", name="reason_when_disqualified"
        ),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decision_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_rounds.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    # The figures when marked (updated while the review is pending): all the nominee's votes
    # in the round, and those invalidated or in open flags.
    total_votes: Mapped[int] = mapped_column(default=0)
    suspect_votes: Mapped[int] = mapped_column(default=0)
    threshold_percent: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[ReviewStatus] = mapped_column(
        enum_type(ReviewStatus, "integrity_review_status"), default=ReviewStatus.PENDING
    )
    # Why it was disqualified (or kept), as the nominator reads it.
    reason: Mapped[str | None] = mapped_column(Text)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    nomination: Mapped[Nomination] = relationship()
    round: Mapped[VotingRound] = relationship()

    @property
    def share(self) -> float:
        return self.suspect_votes / self.total_votes if self.total_votes else 0.0
