from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.accounts.models import User
from prizes.contest.models import Category, Edition
from prizes.core.clock import now
from prizes.db import Base, UTCDateTime, enum_type
from prizes.nominations.models import Nomination


class ExpertInvitation(Base):
    """An emailed invitation to join an edition's expert group; experts never self-register."""

    __tablename__ = "expert_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    email: Mapped[str] = mapped_column(String(254))
    email_canonical: Mapped[str] = mapped_column(String(254), index=True)
    category_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExpertAssignment(Base):
    __tablename__ = "expert_assignments"
    __table_args__ = (UniqueConstraint("edition_id", "expert_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    category: Mapped[Category] = relationship()
    edition: Mapped[Edition] = relationship()


class ConflictDeclaration(Base):
    """An expert's answer, per nomination, to "do you have a conflict of interest?"."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (
        UniqueConstraint("expert_id", "nomination_id"),
        CheckConstraint("NOT has_conflict OR reason IS NOT NULL", name="reason_when_conflicted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    # True when the system proposed the conflict and the expert confirmed it.
    proposed_by_system: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RubricCriterion(Base):
    __tablename__ = "rubric_criteria"
    __table_args__ = (
        UniqueConstraint("edition_id", "name"),
        CheckConstraint("weight > 0", name="positive_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class ReviewStage(StrEnum):
    NOMINATION = "nomination"  # stage 1: the submissions, making the nominated list
    SELECTION = "selection"  # stage 2: the shortlist, choosing winners and champions


class ScoreStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("expert_id", "nomination_id", "criterion_id", "stage"),
        CheckConstraint("value >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    stage: Mapped[ReviewStage] = mapped_column(enum_type(ReviewStage, "review_stage"))
    value: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ScoreStatus] = mapped_column(
        enum_type(ScoreStatus, "score_status"), default=ScoreStatus.DRAFT
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    criterion: Mapped[RubricCriterion] = relationship()


class DecisionOutcome(StrEnum):
    WINNER = "winner"
    CHAMPION = "champion"

    @property
    def label(self) -> str:
        return str(_l("Winner") if self is DecisionOutcome.WINNER else _l("Champion"))


class Decision(Base):
    """The expert group's outcome for one shortlisted nomination, recorded by the secretariat."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("edition_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_type(DecisionOutcome, "outcome"))
    rationale: Mapped[str] = mapped_column(Text)
    # Required when the outcome differs from the ranking the scores proposed.
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    # Required when the decision is taken before every assigned expert has scored.
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nomination: Mapped[Nomination] = relationship()
