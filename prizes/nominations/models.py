from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.accounts.models import User
from prizes.contest.models import Category, Edition
from prizes.core.clock import now
from prizes.db import Base, UTCDateTime, enum_type
from prizes.stocktaking.models import StocktakingEntry


class NominationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned to the nominator for changes
    NOMINATED = "nominated"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SHORTLISTED = "shortlisted"  # among the top K of the public vote
    WINNER = "winner"
    CHAMPION = "champion"

    @property
    def label(self) -> str:
        """The status as the nominator and the public read it."""
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    NominationStatus.DRAFT: _l("Draft"),
    NominationStatus.SUBMITTED: _l("Submitted"),
    NominationStatus.RETURNED: _l("Returned for changes"),
    NominationStatus.NOMINATED: _l("Nominated"),
    NominationStatus.REJECTED: _l("Not nominated"),
    NominationStatus.WITHDRAWN: _l("Withdrawn"),
    NominationStatus.SHORTLISTED: _l("Shortlisted"),
    NominationStatus.WINNER: _l("Winner"),
    NominationStatus.CHAMPION: _l("Champion"),
}


EDITABLE_STATUSES = frozenset(
    {NominationStatus.DRAFT, NominationStatus.SUBMITTED, NominationStatus.RETURNED}
)
PUBLIC_STATUSES = frozenset(
    {
        NominationStatus.NOMINATED,
        NominationStatus.SHORTLISTED,
        NominationStatus.WINNER,
        NominationStatus.CHAMPION,
    }
)

# Statuses that take the organisation's single place in a category of an edition.
_HOLDS_PLACE = "status NOT IN ('draft', 'withdrawn')"


class ProjectStage(StrEnum):
    COMPLETED = "completed"
    MAJOR_PHASE_COMPLETED = "major_phase_completed"


class Nomination(Base):
    __tablename__ = "nominations"
    __table_args__ = (
        # One nomination per entry per edition: drafts and withdrawn ones do not count, so
        # nobody can block a project by starting a draft of it.
        Index(
            "uq_nominations_one_per_entry",
            "edition_id",
            "entry_id",
            unique=True,
            sqlite_where=text(_HOLDS_PLACE),
            postgresql_where=text(_HOLDS_PLACE),
        ),
        Index(
            "uq_nominations_one_per_organisation",
            "edition_id",
            "category_id",
            "organisation_key",
            unique=True,
            sqlite_where=text(_HOLDS_PLACE),
            postgresql_where=text(_HOLDS_PLACE),
        ),
        # "Each entity may submit one project per category": the submitting entity is the
        # nominator's organisation. NULL (a nomination made before the rule) is never equal.
        Index(
            "uq_nominations_one_per_submitter",
            "edition_id",
            "category_id",
            "submitter_key",
            unique=True,
            sqlite_where=text(_HOLDS_PLACE),
            postgresql_where=text(_HOLDS_PLACE),
        ),
        CheckConstraint(
            "status NOT IN ('rejected', 'returned') OR status_reason IS NOT NULL",
            name="reason_when_rejected_or_returned",
        ),
        Index("ix_nominations_edition_category_status", "edition_id", "category_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("stocktaking_entries.id"), index=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The entry's organisation, normalised, copied at submission: the unique index reads it.
    organisation_key: Mapped[str] = mapped_column(String(300))
    # The submitting entity: the nominator's organisation key (or the nominator alone when
    # the profile names none), copied when the nomination is started and submitted.
    submitter_key: Mapped[str | None] = mapped_column(String(300))
    short_description: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    partnerships: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    project_stage: Mapped[ProjectStage | None] = mapped_column(
        enum_type(ProjectStage, "project_stage")
    )
    link: Mapped[str | None] = mapped_column(String(500))
    image_path: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[NominationStatus] = mapped_column(
        enum_type(NominationStatus, "nomination_status"), default=NominationStatus.DRAFT
    )
    # Why it was rejected or returned, as the nominator will read it.
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship()
    category: Mapped[Category] = relationship()
    entry: Mapped[StocktakingEntry] = relationship()
    nominator: Mapped[User] = relationship()
    sdg_links: Mapped[list[NominationSdgLink]] = relationship(
        cascade="all, delete-orphan", order_by="NominationSdgLink.sdg"
    )

    @property
    def is_public(self) -> bool:
        """Nominated and later statuses are on the public lists once the edition's
        nominated list is announced; before that, and for the other statuses, private."""
        return self.status in PUBLIC_STATUSES and self.edition.nominated_list_is_public

    def can_edit(self, user: User, moment: datetime) -> bool:
        """The nominator edits until the submission deadline, unless a decision was made."""
        return (
            user.id == self.nominator_id
            and self.status in EDITABLE_STATUSES
            and self.edition.accepts_submissions(moment)
        )

    def __repr__(self) -> str:
        return f"<Nomination {self.id} {self.status}>"


class NominationSdgLink(Base):
    """How the project's action line advances one SDG, in the nominator's words."""

    __tablename__ = "nomination_sdg_links"
    __table_args__ = (CheckConstraint("sdg BETWEEN 1 AND 17", name="sdg_range"),)

    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), primary_key=True
    )
    sdg: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    linkage: Mapped[str] = mapped_column(Text)
