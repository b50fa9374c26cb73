from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine
from prizes.db import Base, UTCDateTime, enum_type

# The 18 categories' names for the reader, by slug: the table keeps the English name, the
# catalogues hold the six languages (see docs/translating.md for the official wordings).
CATEGORY_NAMES = {
    "governments-and-stakeholders": _l(
        "The role of governments and all stakeholders in the promotion of ICTs for development"
    ),
    "infrastructure": _l("Information and communication infrastructure"),
    "access-to-information": _l("Access to information and knowledge"),
    "capacity-building": _l("Capacity building"),
    "confidence-and-security": _l("Building confidence and security in the use of ICTs"),
    "enabling-environment": _l("Enabling environment"),
    "e-government": _l("ICT applications: e-government"),
    "e-business": _l("ICT applications: e-business"),
    "e-learning": _l("ICT applications: e-learning"),
    "e-health": _l("ICT applications: e-health"),
    "e-employment": _l("ICT applications: e-employment"),
    "e-environment": _l("ICT applications: e-environment"),
    "e-agriculture": _l("ICT applications: e-agriculture"),
    "e-science": _l("ICT applications: e-science"),
    "cultural-diversity": _l(
        "Cultural diversity and identity, linguistic diversity and local content"
    ),
    "media": _l("Media"),
    "ethical-dimensions": _l("Ethical dimensions of the Information Society"),
    "international-cooperation": _l("International and regional cooperation"),
}


class Category(Base):
    """One of the 18 WSIS Prizes categories, each tied to one action line (seeded)."""

    __tablename__ = "categories"
    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 18", name="number_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(SmallInteger, unique=True)
    action_line: Mapped[ActionLine] = mapped_column(enum_type(ActionLine, "action_line"))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    # The official English name as seeded; pages show ``name``, in the reader's language.
    official_name: Mapped[str] = mapped_column("name", String(200))

    @property
    def name(self) -> str:
        """The name in the reader's language, translated by slug at display time."""
        return category_name(self.slug, self.official_name)

    def __repr__(self) -> str:
        return f"<Category {self.number} {self.action_line}>"


def category_name(slug: str, official_name: str) -> str:
    """A category's name in the reader's language (the official English one for a category
    the catalogue does not know), for reads that select columns rather than categories."""
    label = CATEGORY_NAMES.get(slug)
    return str(label) if label is not None else official_name


class Phase(StrEnum):
    UPCOMING = "upcoming"
    SUBMISSION = "submission"
    REVIEW = "review"
    VOTING = "voting"
    SELECTION = "selection"
    ANNOUNCED = "announced"


class Edition(Base):
    """A year of the contest and the dates of its phases (voting dates live on the rounds)."""

    __tablename__ = "editions"
    __table_args__ = (
        CheckConstraint("submission_opens_at < submission_closes_at", name="submission_order"),
        CheckConstraint("submission_closes_at <= review_closes_at", name="review_order"),
        CheckConstraint("review_closes_at <= selection_closes_at", name="selection_order"),
        CheckConstraint("shortlist_size BETWEEN 1 AND 20", name="shortlist_size_range"),
        CheckConstraint("score_min < score_max", name="score_scale"),
        CheckConstraint(
            "integrity_threshold_percent BETWEEN 1 AND 100", name="integrity_threshold_range"
        ),
        CheckConstraint("dispute_window_days BETWEEN 0 AND 365", name="dispute_window_range"),
        # The champions are announced from a vote on the announced nominated list.
        CheckConstraint(
            "champions_announced_at IS NULL OR nominated_list_announced_at IS NOT NULL",
            name="champions_after_nominated_list",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    submission_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submission_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    selection_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The nominated list is announced once, for every category at the same moment; until
    # then being nominated is known to the nominator and the reviewers only.
    nominated_list_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The shortlist of the last round announced as the champions, before the winners.
    champions_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rules that differ between editions (the real contest changed each of these once).
    shortlist_size: Mapped[int] = mapped_column(SmallInteger, default=5)
    # Stage 1 makes the nominated list from the experts' scores: the top N of a category,
    # or every nomination scoring at least the cut-off (either, or both).
    nominated_per_category: Mapped[int | None] = mapped_column(SmallInteger)
    nomination_cutoff: Mapped[float | None] = mapped_column(Float)
    # Rank by z-scores per expert, so a harsh and a lenient expert weigh alike.
    normalise_scores: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    score_min: Mapped[int] = mapped_column(SmallInteger, default=1)
    score_max: Mapped[int] = mapped_column(SmallInteger, default=10)
    show_votes_to_experts: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_on_same_country: Mapped[bool] = mapped_column(Boolean, default=False)
    # The integrity threshold: a nominee whose votes in a round are invalidated, or sit in
    # open suspicion flags, for more than this share (in per cent) awaits the secretariat's
    # review before the round's shortlist is made (prizes.voting.integrity).
    integrity_threshold_percent: Mapped[int] = mapped_column(
        SmallInteger, default=30, server_default="30"
    )
    # How many days after the step it is about (a round's close, an invalidation, the
    # results' publication) a dispute may be opened (prizes.disputes).
    dispute_window_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def phase(self, moment: datetime, *, voting_open: bool = False) -> Phase:
        """Where the timeline stands at ``moment``; ``voting_open`` comes from the rounds."""
        if self.results_published_at is not None and moment >= self.results_published_at:
            return Phase.ANNOUNCED
        if moment < self.submission_opens_at:
            return Phase.UPCOMING
        if moment < self.submission_closes_at:
            return Phase.SUBMISSION
        if voting_open:
            return Phase.VOTING
        if moment < self.review_closes_at or self.nominated_list_announced_at is None:
            return Phase.REVIEW  # the review lasts until its list is announced
        return Phase.SELECTION

    def accepts_submissions(self, moment: datetime) -> bool:
        return self.submission_opens_at <= moment < self.submission_closes_at

    def dispute_deadline(self, step: datetime) -> datetime:
        """The last moment a dispute about a step taken at ``step`` may be opened."""
        return step + timedelta(days=self.dispute_window_days)

    @property
    def nominated_list_is_public(self) -> bool:
        return self.nominated_list_announced_at is not None

    def __repr__(self) -> str:
        return f"<Edition {self.year}>"


class TimelineOverride(Base):
    """The secretariat acted before a step's date, or moved a date that had come: the step,
    the date it was due, the reason given, by whom and when. Shown on the edition's
    timeline; the database refuses one without a reason."""

    __tablename__ = "timeline_overrides"
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    # The date the step was due (acting early), or the date before it moved.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
