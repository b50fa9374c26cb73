from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.accounts.models import User
from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.db import Base, UTCDateTime, enum_type


class EntryStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class StocktakingEntry(Base):
    __tablename__ = "stocktaking_entries"
    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR start_date <= end_date", name="date_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id in the source database, so that re-importing a file updates instead of copying.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str] = mapped_column(String(300))
    # The organisation in a normalised form, for "one nomination per organisation" checks
    # (core/text.py); None when the name has no letter or digit, equal to no other.
    organisation_key: Mapped[str | None] = mapped_column(String(300), index=True)
    stakeholder_type: Mapped[StakeholderType] = mapped_column(
        enum_type(StakeholderType, "stakeholder_type")
    )
    country: Mapped[str] = mapped_column(String(2), index=True)
    description: Mapped[str] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[EntryStatus] = mapped_column(
        enum_type(EntryStatus, "entry_status"), default=EntryStatus.PUBLISHED
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    owner: Mapped[User | None] = relationship()
    action_lines: Mapped[list[EntryActionLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EntryActionLine.action_line"
    )
    sdgs: Mapped[list[EntrySdg]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EntrySdg.sdg"
    )
    # The other countries of a project that spans several (``country`` is the first); an
    # international organisation's entry has the country XX and may list none.
    other_countries: Mapped[list[EntryCountry]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EntryCountry.country"
    )

    @property
    def action_line_codes(self) -> list[ActionLine]:
        return [link.action_line for link in self.action_lines]

    @property
    def country_codes(self) -> list[str]:
        """Every country of the project, its first one first."""
        return [self.country, *(link.country for link in self.other_countries)]

    @property
    def sdg_numbers(self) -> list[int]:
        return [link.sdg for link in self.sdgs]

    def __repr__(self) -> str:
        return f"<StocktakingEntry {self.id} {self.title[:30]!r}>"


class EntryActionLine(Base):
    __tablename__ = "entry_action_lines"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("stocktaking_entries.id", ondelete="CASCADE"), primary_key=True
    )
    action_line: Mapped[ActionLine] = mapped_column(
        enum_type(ActionLine, "action_line"), primary_key=True, index=True
    )


class EntrySdg(Base):
    __tablename__ = "entry_sdgs"
    __table_args__ = (CheckConstraint("sdg BETWEEN 1 AND 17", name="sdg_range"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("stocktaking_entries.id", ondelete="CASCADE"), primary_key=True
    )
    sdg: Mapped[int] = mapped_column(SmallInteger, primary_key=True, index=True)


class EntryCountry(Base):
    __tablename__ = "entry_countries"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("stocktaking_entries.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)
